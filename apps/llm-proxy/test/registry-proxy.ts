import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { AuthModule } from '@kastra/auth';
import { EventStoreModule } from '@kastra/event-store';
import { MessagingModule } from '@kastra/messaging';
import { MODEL_RESOLVER } from '../src/calls/model-resolver';
import { loadProxySettings } from '../src/calls/proxy-settings';
import { LlmCallsModule } from '../src/llm-calls.module';
import { ModelRegistry } from '../src/registry/model-registry';
import { RegistryModule } from '../src/registry/registry.module';
import { RegistryModelResolver } from '../src/registry-model-resolver';

/** An llm-proxy in this process, listening on a free port. */
export interface RegistryProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * The llm-proxy as LlmProxyModule assembles it — the registry (admin API, key pools) behind the
 * call path — on a test database and NATS prefix. `env` is the environment it starts with
 * (KASTRA_LLM_* settings), applied while it starts and restored afterwards, so the settings are
 * read exactly as the service reads them.
 */
export async function startRegistryProxy(options: { databaseUrl: string; prefix: string; home: string; env: Record<string, string> }): Promise<RegistryProxy> {
  const env: Record<string, string> = { DATABASE_URL: options.databaseUrl, KASTRA_HOME: options.home, KASTRA_NATS_PREFIX: options.prefix, ...options.env };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    const settings = loadProxySettings(process.env);

    @Module({
      imports: [
        EventStoreModule.forRoot({ databaseUrl: options.databaseUrl, poolSize: 3 }),
        MessagingModule.forRoot({ prefix: options.prefix }),
        AuthModule.forRoot(options.home),
        RegistryModule,
        LlmCallsModule.forRoot({
          imports: [RegistryModule],
          resolver: { provide: MODEL_RESOLVER, useFactory: (registry: ModelRegistry) => new RegistryModelResolver(registry), inject: [ModelRegistry] },
          settings,
        }),
      ],
    })
    class RegistryProxyModule {}

    const app = await NestFactory.create<NestExpressApplication>(RegistryProxyModule, { logger: false, abortOnError: false });
    app.useBodyParser('json', { limit: '1mb' });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    return { url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, close: () => app.close() };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
