import 'reflect-metadata';
import { runService } from '@kastra/service-host';
import { NetworkRouterModule } from './network-router.module';

// runService has already logged why it could not start.
runService({ service: 'network-router', module: NetworkRouterModule }).catch(() => process.exit(1));
