import 'reflect-metadata';
import { type INestApplication, Module, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { type KastraConfig, loadConfig, SERVICE_PORTS, type ServiceName } from '@kastra/config';
import { createLogger, initTracing, labelMetricsWithService, type Logger, PinoNestLogger, type Tracing } from '@kastra/telemetry';
import { HealthModule } from './health.module';

export interface RunServiceOptions {
  service: ServiceName;
  /** The service's own module; it may inject `ReadinessRegistry` to add readiness checks. */
  module: Type<unknown>;
  /**
   * Starts the servers instead of the default HTTP listen (the gateway also serves HTTPS and gRPC).
   * @default `app.listen(config.port, config.bindAddress)` (KASTRA_BIND, else 127.0.0.1)
   */
  listen?: (app: INestApplication, config: KastraConfig) => Promise<void>;
  /** Environment read by `loadConfig`. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Nest's body parsers, which read every body before guards run. A service that reads bodies
   * itself after authentication turns them off. @default true
   */
  bodyParser?: boolean;
}

/** Ends the trace provider and says goodbye once Nest has closed every module. */
class ServiceShutdown implements OnApplicationShutdown {
  constructor(private readonly logger: Logger, private readonly tracing: Tracing) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.tracing.shutdown().catch(() => undefined);
    this.logger.info({ signal }, 'service stopped');
  }
}

/**
 * Boots one Kastra service: config, tracing, JSON logs (Nest's included), `/healthz`, `/readyz`,
 * `/metrics`, graceful shutdown on SIGTERM/SIGINT, then listens. Rejects (after logging why)
 * when the service cannot start, e.g. its port is taken.
 */
export async function runService(options: RunServiceOptions): Promise<INestApplication> {
  const { service } = options;
  const config = loadConfig(SERVICE_PORTS[service], options.env ?? process.env);
  const logger = createLogger(service);
  const tracing = initTracing(service);
  labelMetricsWithService(service);

  @Module({
    imports: [HealthModule, options.module],
    providers: [{ provide: ServiceShutdown, useValue: new ServiceShutdown(logger, tracing) }],
  })
  class ServiceRootModule {}

  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(ServiceRootModule, {
      logger: new PinoNestLogger(logger),
      bufferLogs: true,
      bodyParser: options.bodyParser ?? true,
      // Throw instead of process.abort() so the reason is logged and the exit code is clean.
      abortOnError: false,
    });
    app.enableShutdownHooks();
    if (options.listen) await options.listen(app, config);
    else await app.listen(config.port, config.bindAddress);
  } catch (error) {
    logStartFailure(logger, config.port, error);
    await app?.close().catch(() => undefined);
    await tracing.shutdown().catch(() => undefined);
    throw error;
  }
  logger.info({ port: listeningPort(app) ?? config.port, bind: config.bindAddress }, 'service started');
  return app;
}

function listeningPort(app: INestApplication): number | undefined {
  const server = app.getHttpServer() as { address?: () => AddressInfo | string | null };
  const address = server.address?.();
  return address && typeof address === 'object' ? address.port : undefined;
}

function logStartFailure(logger: Logger, port: number, error: unknown): void {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    logger.fatal({ port }, `port ${port} is already in use: stop what holds it or set PORT to a free port`);
  } else {
    logger.fatal({ err: error }, 'service failed to start');
  }
}
