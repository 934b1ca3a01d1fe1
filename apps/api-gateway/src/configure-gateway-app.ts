import type { INestApplication } from '@nestjs/common';
import type { Logger } from '@kastra/telemetry';
import { KubernetesStatusFilter } from './errors/kubernetes-status.filter';
import { RawBodyInterceptor } from './http/raw-body.interceptor';
import { MAX_BODY_BYTES } from './http/raw-body.middleware';
import { requestSpanMiddleware } from './http/request-span.middleware';

/**
 * What the gateway adds to a Nest app before `init()`: a span per request, the Status filter and
 * its own body reading, after the guards (so every content type and the 3 MiB limit are handled
 * one way, and an unauthenticated body is never read). The app must be created with
 * `bodyParser: false`: Nest's JSON parser would read bodies before the guards.
 */
export function configureGatewayApp(app: INestApplication, logger: Logger, maxBodyBytes = MAX_BODY_BYTES): void {
  app.use(requestSpanMiddleware());
  app.useGlobalInterceptors(new RawBodyInterceptor(maxBodyBytes));
  app.useGlobalFilters(new KubernetesStatusFilter(logger));
}
