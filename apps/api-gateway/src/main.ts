import { runService } from '@kastra/service-host';
import { ApiGatewayModule } from './api-gateway.module';
import { listenGateway } from './gateway-servers';

runService({ service: 'api-gateway', module: ApiGatewayModule, listen: listenGateway }).catch(() => {
  // runService has logged why.
  process.exit(1);
});
