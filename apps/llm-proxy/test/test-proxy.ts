import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuthModule, JwtAuthority, loadDevelopmentSecrets, type Role } from '@kastra/auth';
import { EventStoreModule } from '@kastra/event-store';
import { MessagingModule } from '@kastra/messaging';
import { MODEL_RESOLVER, type ModelResolver } from '../src/calls/model-resolver';
import { loadProxySettings, type ProxySettings } from '../src/calls/proxy-settings';
import { UsageRecorder } from '../src/usage/usage-recorder';
import { LlmCallsModule } from '../src/llm-calls.module';

/** One in-process llm-proxy call path (a "replica"), on a test database, NATS prefix and Redis prefix. */
export interface TestProxy {
  app: INestApplication;
  url: string;
  flushUsage(): Promise<void>;
  close(): Promise<void>;
}

export interface TestProxyOptions {
  databaseUrl: string;
  prefix: string;
  home: string;
  resolver: ModelResolver;
  settings?: Partial<ProxySettings>;
}

export async function startTestProxy(options: TestProxyOptions): Promise<TestProxy> {
  const settings: ProxySettings = { ...loadProxySettings({ KASTRA_NATS_PREFIX: options.prefix }), retryBaseMs: 20, ...options.settings };

  @Module({
    imports: [
      EventStoreModule.forRoot({ databaseUrl: options.databaseUrl, poolSize: 4 }),
      MessagingModule.forRoot({ prefix: options.prefix }),
      AuthModule.forRoot(options.home),
      LlmCallsModule.forRoot({ resolver: { provide: MODEL_RESOLVER, useValue: options.resolver }, settings }),
    ],
  })
  class TestProxyModule {}

  // As the service: no Express body parser, bodies are read after the guards (JsonBodyInterceptor).
  const app = await NestFactory.create<NestExpressApplication>(TestProxyModule, { logger: false, abortOnError: false, bodyParser: false });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    flushUsage: () => app.get(UsageRecorder).flush(),
    close: () => app.close(),
  };
}

/** A KASTRA_HOME of its own (JWT secret) and a token minter for it. */
export function testHome(): { home: string; token(role: Role, sub?: string): string; remove(): void } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-llm-proxy-'));
  const authority = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret);
  return {
    home,
    token: (role, sub = role === 'admin' ? 'alice' : 'bob') => authority.issue({ sub, role }),
    remove: () => fs.rmSync(home, { recursive: true, force: true }),
  };
}
