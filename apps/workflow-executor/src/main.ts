import 'reflect-metadata';
import { runService } from '@kastra/service-host';
import { WorkflowExecutorModule } from './workflow-executor.module';

// runService has already logged why it could not start.
runService({ service: 'workflow-executor', module: WorkflowExecutorModule }).catch(() => process.exit(1));
