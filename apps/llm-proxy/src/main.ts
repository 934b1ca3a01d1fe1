import 'reflect-metadata';
import { runService } from '@kastra/service-host';
import { LlmProxyModule } from './llm-proxy.module';

// runService has already logged why it could not start.
runService({ service: 'llm-proxy', module: LlmProxyModule }).catch(() => process.exit(1));
