import { runService } from '@kastra/service-host';
import { ApiGatewayModule } from './api-gateway.module';
import { listenGateway } from './gateway-servers';

// Bodies are read after authentication, by the gateway itself (configureGatewayApp).
runService({ service: 'api-gateway', module: ApiGatewayModule, listen: listenGateway, bodyParser: false }).catch(() => {
  // runService has logged why.
  process.exit(1);
});
