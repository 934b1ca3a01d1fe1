import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { AuthModule } from '@kastra/auth';
import { EventStoreModule } from '@kastra/event-store';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { MessagingModule } from '@kastra/messaging';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { MODEL_RESOLVER } from '../src/calls/model-resolver';
import { loadProxySettings } from '../src/calls/proxy-settings';
import { LlmCallsModule } from '../src/llm-calls.module';
import { ModelRegistry } from '../src/registry/model-registry';
import { RegistryModule } from '../src/registry/registry.module';
import { RegistryModelResolver } from '../src/registry-model-resolver';
import { testHome } from './test-proxy';

/** Assembled at runtime so that no literal in the repository looks like a provider key. */
const MODEL_KEY = ['sk', 'test', 'availability', 'm'.repeat(8)].join('-');
const ENV_KEY = ['sk', 'test', 'availability-env', 'e'.repeat(8)].join('-');
/** Provider keys of the environment this test controls (saved and restored around it). */
const PROVIDER_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'];

/** llm-proxy as LlmProxyModule assembles it (registry behind the call path), on a test database, NATS prefix and home. */
async function startProxy(options: { databaseUrl: string; prefix: string; home: string }): Promise<{ app: NestExpressApplication; url: string }> {
  // Resolutions are not cached, so a test that sets a provider key in the environment sees it at once.
  const env: Record<string, string> = { DATABASE_URL: options.databaseUrl, KASTRA_HOME: options.home, KASTRA_NATS_PREFIX: options.prefix, KASTRA_LLM_REGISTRY_CACHE_MS: '0' };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    @Module({
      imports: [
        EventStoreModule.forRoot({ databaseUrl: options.databaseUrl, poolSize: 3 }),
        MessagingModule.forRoot({ prefix: options.prefix }),
        AuthModule.forRoot(options.home),
        RegistryModule,
        LlmCallsModule.forRoot({
          imports: [RegistryModule],
          resolver: { provide: MODEL_RESOLVER, useFactory: (registry: ModelRegistry) => new RegistryModelResolver(registry), inject: [ModelRegistry] },
          settings: { ...loadProxySettings(process.env), retryBaseMs: 20 },
        }),
      ],
    })
    class ModelAvailabilityTestModule {}

    const app = await NestFactory.create<NestExpressApplication>(ModelAvailabilityTestModule, { logger: false, abortOnError: false });
    app.useBodyParser('json', { limit: '1mb' });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('llm-proxy lists and calls only models it has a key for (registry, Postgres, NATS, official openai client)', () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let proxy: { app: NestExpressApplication; url: string };
  const prefix = testNatsPrefix('llmavail');
  const home = testHome();
  const savedVariables = Object.fromEntries(PROVIDER_VARIABLES.map((name) => [name, process.env[name]]));
  const openai = () => new OpenAI({ apiKey: home.token('user'), baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const admin = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${proxy.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${home.token('admin')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect({ path, status: response.status }).toEqual({ path, status: 201 });
  };
  const failureOf = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => error as { status?: number; code?: string; message: string });

  beforeAll(async () => {
    for (const name of PROVIDER_VARIABLES) delete process.env[name];
    database = await createTestDatabase('llmavail');
    upstream = await startMockOpenAIServer();
    proxy = await startProxy({ databaseUrl: database.url, prefix, home: home.home });
    // Given the provider's endpoint is the mock (calls through the provider's defaults go there too)
    await admin('POST', '/api/v1/llm/providers', { name: 'openai', type: 'openai', base_url: upstream.baseUrl });
    // And three OpenAI models: one with a key, one given none, one whose only key an admin disabled
    await admin('POST', '/api/v1/llm-models', { name: 'Keyed', model_id: 'keyed-model', provider: 'openai', upstream_model: 'gpt-4o-mini', api_keys: [{ key: MODEL_KEY }] });
    await admin('POST', '/api/v1/llm-models', { name: 'Bare', model_id: 'bare-model', provider: 'openai', upstream_model: 'gpt-4o-mini' });
    await admin('POST', '/api/v1/llm-models', { name: 'Revoked', model_id: 'revoked-model', provider: 'openai', upstream_model: 'gpt-4o', api_keys: [{ key: MODEL_KEY, status: 'disabled' }] });
  });

  afterAll(async () => {
    await proxy?.app.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
    for (const [name, value] of Object.entries(savedVariables)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  beforeEach(() => upstream.reset());

  it('lists only the models that can be called now, in both model lists', async () => {
    // When a client lists the models without OPENAI_API_KEY in the proxy's environment
    const listed = [];
    for await (const model of openai().models.list()) listed.push(model.id);
    // Then only the model with a usable key is there
    expect(listed).toContain('keyed-model');
    expect(listed).not.toContain('bare-model');
    expect(listed).not.toContain('revoked-model');
    // And Kastra's own list (/api/v1/llm/models) says the same
    const response = await fetch(`${proxy.url}/api/v1/llm/models`, { headers: { authorization: `Bearer ${home.token('user')}` } });
    const ids = ((await response.json()) as { models: Array<{ id: string }> }).models.map((model) => model.id);
    expect(ids).toEqual(listed);
  });

  it('answers a call to a model without a usable key with 403 no_key naming what is missing, and calls no upstream', async () => {
    // When the model given no key is called
    const bare = await failureOf(openai().chat.completions.create({ model: 'bare-model', messages: [{ role: 'user', content: 'hi' }] }));
    // Then the client gets a 403 saying which variable to set (not "model not found")
    expect(bare).toMatchObject({ status: 403, code: 'no_key' });
    expect(bare?.message).toContain('no key for provider "openai": set OPENAI_API_KEY in the environment of llm-proxy');
    // And the model whose only key is disabled says so
    const revoked = await failureOf(openai().chat.completions.create({ model: 'revoked-model', messages: [{ role: 'user', content: 'hi' }] }));
    expect(revoked).toMatchObject({ status: 403, code: 'no_key' });
    expect(revoked?.message).toContain('model "revoked-model" has no usable API key for provider openai: a key is disabled');
    // And embeddings are refused the same way
    const embeddings = await failureOf(openai().embeddings.create({ model: 'bare-model', input: 'hi' }));
    expect(embeddings).toMatchObject({ status: 403, code: 'no_key' });
    // And a provider/model handle of a provider without its key names the variable too
    const claude = await failureOf(openai().chat.completions.create({ model: 'anthropic/claude-3-5-haiku-20241022', messages: [{ role: 'user', content: 'hi' }] }));
    expect(claude).toMatchObject({ status: 403, code: 'no_key' });
    expect(claude?.message).toContain('set ANTHROPIC_API_KEY');
    // And nothing went upstream without a key
    expect(upstream.requests).toEqual([]);
    // While the model with a key answers
    const answer = await openai().chat.completions.create({ model: 'keyed-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0].message.role).toBe('assistant');
    expect(upstream.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${MODEL_KEY}`]);
  });

  it('lists and calls a model given no key once the provider key is in the environment, and serves provider/model by a row that can be called', async () => {
    process.env.OPENAI_API_KEY = ENV_KEY;
    try {
      // When the provider's key is set: the model given no key is listed and called with it
      const listed = [];
      for await (const model of openai().models.list()) listed.push(model.id);
      expect(listed).toEqual(expect.arrayContaining(['keyed-model', 'bare-model']));
      // But a model whose own keys are unusable never borrows the provider's key
      expect(listed).not.toContain('revoked-model');
      await openai().chat.completions.create({ model: 'bare-model', messages: [{ role: 'user', content: 'hi' }] });
      expect(upstream.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${ENV_KEY}`]);
      // And openai/gpt-4o is served by the provider's defaults rather than the row without a usable key
      upstream.reset();
      await openai().chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(upstream.requests.map((request) => [request.headers.authorization, (request.body as { model?: string }).model])).toEqual([[`Bearer ${ENV_KEY}`, 'gpt-4o']]);
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });
});
