import 'reflect-metadata';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { EventStoreModule } from '@kastra/event-store';
import { MessagingModule } from '@kastra/messaging';
import { TEST_NATS_URL } from '@kastra/testing';
import { RegistryModule } from './registry.module';

export interface RegistryTestApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * A Nest app with only what RegistryModule needs (Postgres, NATS) on a free port, for the
 * registry's integration tests. `env` is applied to process.env while the app starts (the module
 * reads DATABASE_URL, KASTRA_MASTER_KEY... then) and restored afterwards.
 */
export async function startRegistryTestApp(options: { databaseUrl: string; prefix: string; env: Record<string, string | undefined> }): Promise<RegistryTestApp> {
  const saved = Object.fromEntries([...Object.keys(options.env), 'DATABASE_URL'].map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply({ ...options.env, DATABASE_URL: options.databaseUrl });

  @Module({
    imports: [
      EventStoreModule.forRoot({ databaseUrl: options.databaseUrl, poolSize: 3 }),
      MessagingModule.forRoot({ natsUrl: TEST_NATS_URL, prefix: options.prefix }),
      RegistryModule,
    ],
  })
  class RegistryTestModule {}

  try {
    const app = await NestFactory.create(RegistryTestModule, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;
    return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
  } finally {
    apply(saved);
  }
}
