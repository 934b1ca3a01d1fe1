import 'reflect-metadata';
import { runService } from '@kastra/service-host';
import { ControllerManagerModule } from './controller-manager.module';

runService({ service: 'controller-manager', module: ControllerManagerModule }).catch(() => {
  // runService has logged why it could not start.
  process.exit(1);
});
