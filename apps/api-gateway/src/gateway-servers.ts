import * as http from 'node:http';
import * as https from 'node:https';
import type { INestApplication } from '@nestjs/common';
import { ensureDevelopmentCertificate } from '@kastra/auth';
import type { KastraConfig } from '@kastra/config';
import { createLogger } from '@kastra/telemetry';
import { configureGatewayApp } from './configure-gateway-app';

/** HTTPS port of the gateway (kubectl sends bearer tokens only over TLS). @default 8443 */
export function httpsPortOf(env: NodeJS.ProcessEnv = process.env): number {
  return env.HTTPS_PORT ? Number(env.HTTPS_PORT) : 8443;
}

function listen(server: http.Server | https.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The gateway's `listen` for runService: one Express app served over HTTP (`config.port`) and
 * HTTPS (`HTTPS_PORT`, development certificate of `config.homeDir` unless KASTRA_TLS_* are set),
 * both on `config.bindAddress` (KASTRA_BIND, loopback by default).
 * Both servers close with the app. The gRPC server (GrpcApiModule) has already started in
 * `app.init()`, over TLS with the same material (`grpcTlsFromEnv`: the same KASTRA_TLS_* or
 * development certificate of KASTRA_HOME) unless KASTRA_GRPC_PLAINTEXT=true.
 */
export async function listenGateway(app: INestApplication, config: KastraConfig): Promise<void> {
  const logger = createLogger('api-gateway');
  configureGatewayApp(app, logger);
  await app.init();
  const express = app.getHttpAdapter().getInstance() as http.RequestListener;
  const tls = ensureDevelopmentCertificate(config.homeDir);
  const plain = http.createServer(express);
  const secure = https.createServer({ key: tls.key, cert: tls.cert }, express);
  // Watches stay open for minutes: no request timeout, as on the apiserver.
  for (const server of [plain, secure]) server.requestTimeout = 0;
  await listen(plain, config.port, config.bindAddress);
  await listen(secure, httpsPortOf(), config.bindAddress);
  const close = (server: http.Server | https.Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const originalClose = app.close.bind(app);
  app.close = async () => {
    await Promise.all([close(plain), close(secure)]);
    await originalClose();
  };
  logger.info({ httpPort: config.port, httpsPort: httpsPortOf(), bind: config.bindAddress }, 'REST API listening');
}
