import type { INestApplication } from '@nestjs/common';
import type { Logger } from '@kastra/telemetry';
import { KubernetesStatusFilter } from './errors/kubernetes-status.filter';
import { MAX_BODY_BYTES, rawBodyMiddleware } from './http/raw-body.middleware';
import { requestSpanMiddleware } from './http/request-span.middleware';

/**
 * What the gateway adds to a Nest app before `init()`: its own body reading (before Nest's JSON
 * parser, so every content type and the 3 MiB limit are handled one way), a span per request and
 * the Status filter.
 */
export function configureGatewayApp(app: INestApplication, logger: Logger, maxBodyBytes = MAX_BODY_BYTES): void {
  app.use(requestSpanMiddleware());
  app.use(rawBodyMiddleware(maxBodyBytes));
  app.useGlobalFilters(new KubernetesStatusFilter(logger));
}
