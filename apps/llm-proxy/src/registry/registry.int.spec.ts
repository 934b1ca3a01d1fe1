import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NotFoundError } from '@kastra/api';
import { JwtAuthority } from '@kastra/auth';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { natsNames, startEventRelay, type EventRelay } from '@kastra/messaging';
import { createResourceStore, resourceStreamId } from '@kastra/resource-store';
import { keyIdOf, SecretCipher } from '@kastra/secrets';
import { createTestDatabase, deleteTestStreams, eventually, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { LLM_SECRET_CONSUMER, LlmResourceSync } from './llm-resource-sync';
import { ModelRegistry } from './model-registry';
import { startRegistryTestApp, type RegistryTestApp } from './registry-test-app';

const JWT_SECRET = randomBytes(32).toString('hex');
const MASTER_KEY = randomBytes(32).toString('base64');
const SEED_KEY = `sk-seed-${randomBytes(12).toString('hex')}`;
const SECOND_KEY = `sk-second-${randomBytes(12).toString('hex')}`;
const RESOURCE_KEY = `sk-resource-${randomBytes(12).toString('hex')}`;
const SECRET_KEY_A = `sk-secret-a-${randomBytes(12).toString('hex')}`;
const SECRET_KEY_B = `sk-secret-b-${randomBytes(12).toString('hex')}`;
const SECRET_KEY_C = `sk-secret-c-${randomBytes(12).toString('hex')}`;
const authority = new JwtAuthority(JWT_SECRET);
const admin = { authorization: `Bearer ${authority.issue({ sub: 'root', role: 'admin' })}` };
const user = { authorization: `Bearer ${authority.issue({ sub: 'alice', role: 'user' })}` };

/** The admin API's documented example body, as model-management clients send it. */
const documentedBody = {
  name: 'GPT-4 Turbo',
  model_id: 'gpt-4-turbo',
  provider: 'openai',
  type: 'chat',
  description: 'OpenAI flagship',
  base_url: 'https://api.openai.com/v1',
  auth_type: 'api_key',
  key_usage_mode: 'round-robin',
  api_keys: [{ key: SEED_KEY, status: 'enabled' }],
  supports_vision: true,
  max_tokens: 4096,
  context_window: 128000,
  input_price: 10,
  output_price: 30,
  rpm_limit: 500,
  tpm_limit: 200000,
};

describe('llm-proxy model registry (Postgres, NATS)', () => {
  let db: TestDatabase;
  let prefix: string;
  let first: RegistryTestApp;
  let second: RegistryTestApp;
  let nc: NatsConnection;
  let pool: Pool;
  let relay: EventRelay;
  const env = { KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_MASTER_KEY: MASTER_KEY, KASTRA_PREVIOUS_MASTER_KEYS: undefined, KASTRA_LLM_REGISTRY_CACHE_MS: '60000' };

  const call = async (app: RegistryTestApp, method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    db = await createTestDatabase('llmreg');
    prefix = testNatsPrefix('llmreg');
    first = await startRegistryTestApp({ databaseUrl: db.url, prefix, env });
    second = await startRegistryTestApp({ databaseUrl: db.url, prefix, env });
    nc = await connect({ servers: TEST_NATS_URL });
    pool = new Pool({ connectionString: db.url, max: 2 });
    relay = await startEventRelay({ pool, nc, prefix, databaseUrl: db.url });
  });

  afterAll(async () => {
    await relay?.stop();
    await first?.close();
    await second?.close();
    await pool?.end();
    await nc?.close();
    await deleteTestStreams(prefix);
    await db?.drop();
  });

  it('creates a model from the documented body exactly, stores the key encrypted and never returns it', async () => {
    // When an admin posts the documented body
    const created = await call(first, 'POST', '/api/v1/llm-models', documentedBody);
    // Then every documented field comes back, the key only as a hint
    expect(created.status).toBe(201);
    const { api_keys: _keys, ...fields } = documentedBody;
    expect(created.json).toMatchObject(fields);
    expect(created.json.api_keys).toEqual([expect.objectContaining({ id: expect.any(String), hint: `sk-…${SEED_KEY.slice(-4)}`, status: 'enabled' })]);
    expect(created.text).not.toContain(SEED_KEY);
    // And the key is nowhere in the database in clear
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const dump = await client.query(`SELECT row_to_json(k)::text AS row FROM llm_model_keys k`);
    await client.end();
    expect(dump.rows).toHaveLength(1);
    expect(dump.rows[0].row).not.toContain(SEED_KEY);
    expect(dump.rows[0].row).toContain(`v1:${keyIdOf(Buffer.from(MASTER_KEY, 'base64'))}:`);
    // And reads never carry it either
    const read = await call(first, 'GET', '/api/v1/llm-models/gpt-4-turbo');
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(SEED_KEY);
    expect(read.json.model_id).toBe('gpt-4-turbo');
  });

  it('lists with provider, type and status filters, and changes keys and fields by PUT', async () => {
    // Given a second, disabled embedding model of another provider (a client's Chinese type kept as is)
    const other = await call(first, 'POST', '/api/v1/llm-models', { name: '通义', model_id: 'qwen-embed', provider: 'qwen', type: '生文', status: 'disabled' });
    expect(other.status).toBe(201);
    expect(other.json.type).toBe('生文');
    // When filtering
    const byProvider = await call(first, 'GET', '/api/v1/llm-models?provider=openai');
    const byType = await call(first, 'GET', `/api/v1/llm-models?type=${encodeURIComponent('生文')}`);
    const byStatus = await call(first, 'GET', '/api/v1/llm-models?status=enabled');
    // Then each answers its own rows
    expect(byProvider.json.data.map((m: { model_id: string }) => m.model_id)).toEqual(['gpt-4-turbo']);
    expect(byType.json.data.map((m: { model_id: string }) => m.model_id)).toEqual(['qwen-embed']);
    expect(byStatus.json.data.map((m: { model_id: string }) => m.model_id)).toEqual(['gpt-4-turbo']);
    // When a key is disabled and another added
    const [key] = (await call(first, 'GET', '/api/v1/llm-models/gpt-4-turbo')).json.api_keys;
    const updated = await call(first, 'PUT', '/api/v1/llm-models/gpt-4-turbo', {
      max_tokens: 8192,
      api_keys: [{ id: key.id, status: 'disabled' }, { key: SECOND_KEY }],
    });
    // Then only the sent fields changed and the keys are hints with their statuses
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ max_tokens: 8192, context_window: 128000, name: 'GPT-4 Turbo' });
    expect(updated.json.api_keys.map((k: { status: string }) => k.status)).toEqual(['disabled', 'enabled']);
    expect(updated.text).not.toContain(SECOND_KEY);
    // And the registry hands out only the enabled key
    const model = await first.app.get(ModelRegistry).resolve('gpt-4-turbo');
    expect(model.keyPool.size).toBe(2);
    expect(model.keyPool.next()?.apiKey).toBe(SECOND_KEY);
    expect(model.keyPool.next()?.apiKey).toBe(SECOND_KEY);
    // When it is deleted
    expect((await call(first, 'DELETE', '/api/v1/llm-models/qwen-embed')).status).toBe(200);
    expect((await call(first, 'GET', '/api/v1/llm-models/qwen-embed')).status).toBe(404);
  });

  it('answers 401 without a token and 403 to the user role, on every admin route', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/llm-models'],
      ['POST', '/api/v1/llm-models'],
      ['GET', '/api/v1/llm/providers'],
      ['POST', '/api/v1/llm/admin/rotate-master-key'],
    ]) {
      expect((await call(first, method, path, method === 'POST' ? documentedBody : undefined, user)).status).toBe(403);
      expect((await call(first, method, path, method === 'POST' ? documentedBody : undefined, {})).status).toBe(401);
    }
  });

  it('rejects invalid bodies naming the fields: 422 for wrong or unknown fields, 400 for a non-object, 409 for a taken model_id', async () => {
    const invalid = await call(first, 'POST', '/api/v1/llm-models', { ...documentedBody, model_id: 'x', max_tokens: 'lots', key_usage_mode: 'random', colour: 'red', api_keys: [{ status: 'enabled' }] });
    expect(invalid.status).toBe(422);
    const fields = invalid.json.error.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['max_tokens', 'key_usage_mode', 'colour', 'api_keys[0].key']));
    expect(invalid.text).not.toContain(SEED_KEY);
    const missing = await call(first, 'POST', '/api/v1/llm-models', { name: 'no id' });
    expect(missing.status).toBe(422);
    expect(missing.json.error.causes.map((c: { field: string }) => c.field)).toEqual(expect.arrayContaining(['model_id', 'provider']));
    const unknownProvider = await call(first, 'POST', '/api/v1/llm-models', { name: 'x', model_id: 'x', provider: 'nope' });
    expect(unknownProvider.status).toBe(422);
    expect(unknownProvider.json.error.causes[0].field).toBe('provider');
    expect((await call(first, 'POST', '/api/v1/llm-models', '[1,2]')).status).toBe(400);
    expect((await call(first, 'POST', '/api/v1/llm-models', documentedBody)).status).toBe(409);
  });

  it('resolves by model_id, by provider/model (row, then provider defaults) and fails with NotFoundError otherwise', async () => {
    const registry = first.app.get(ModelRegistry);
    const byId = await registry.resolve('gpt-4-turbo');
    expect(byId).toMatchObject({ provider: 'openai', modelId: 'gpt-4-turbo', baseUrl: 'https://api.openai.com/v1', supportsVision: true, maxTokens: 8192, contextWindow: 128000, prices: { input: 10, output: 30 }, limits: { rpm: 500, tpm: 200000 } });
    expect((await registry.resolve('openai/gpt-4-turbo')).id).toBe(byId.id);
    // A provider that needs no key resolves from its defaults with an empty pool
    const mock = await registry.resolve('mock/echo');
    expect(mock).toMatchObject({ provider: 'mock', modelId: 'echo' });
    expect(mock.keyPool.size).toBe(0);
    // A provider that needs a key resolves without one as a model that cannot be called, naming its variable
    const keyless = await registry.resolve('anthropic/claude-x');
    expect(keyless.noKeyReason).toContain('no key for provider "anthropic": set ANTHROPIC_API_KEY in the environment of llm-proxy');
    expect(keyless.keyPool.size).toBe(0);
    // And with its environment variable set, it is called with it
    process.env.ANTHROPIC_API_KEY = 'sk-ant-from-env-0000';
    try {
      const claude = await registry.resolve('anthropic/claude-y');
      expect(claude.noKeyReason).toBeUndefined();
      expect(claude.keyPool.next()).toEqual({ keyId: 'env:ANTHROPIC_API_KEY', apiKey: 'sk-ant-from-env-0000' });
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
    await expect(registry.resolve('no-such-model')).rejects.toThrow(NotFoundError);
    await expect(registry.resolve('nope/model')).rejects.toThrow(NotFoundError);
    await expect(registry.resolve('')).rejects.toThrow(NotFoundError);
  });

  it('lists the enabled models with what they are billed at: own prices, else the price table, else unpriced', async () => {
    const registry = first.app.get(ModelRegistry);
    const created = [
      { name: 'Mini', model_id: 'gpt-4o-mini', provider: 'openai', api_keys: [{ key: SECOND_KEY }] },
      { name: 'Echo', model_id: 'echo-unpriced', provider: 'mock', auth_type: 'none' },
      { name: 'Off', model_id: 'gpt-4o', provider: 'openai', status: 'disabled' },
    ];
    for (const body of created) expect((await call(first, 'POST', '/api/v1/llm-models', body)).status).toBe(201);
    try {
      const listed = await registry.list();
      const byId = new Map(listed.map((m) => [m.id, m]));
      expect(byId.get('gpt-4-turbo')).toMatchObject({ provider: 'openai', contextWindow: 128000, supportsVision: true, prices: { input: 10, output: 30 }, pricesSource: 'model' });
      // No price on the row: the shipped table's, and the catalogue's context window
      expect(byId.get('gpt-4o-mini')).toMatchObject({ provider: 'openai', modelId: 'gpt-4o-mini', prices: { input: 0.15, output: 0.6 }, pricesSource: 'price-table' });
      expect(byId.get('gpt-4o-mini')!.contextWindow).toBeGreaterThan(0);
      // Neither: unpriced, never $0
      expect(byId.get('echo-unpriced')).toBeDefined();
      expect(byId.get('echo-unpriced')!.prices).toBeUndefined();
      expect(byId.has('gpt-4o')).toBe(false);
      expect(JSON.stringify(listed)).not.toContain(SEED_KEY);
      expect(JSON.stringify(listed)).not.toContain(SECOND_KEY);
      // Provider defaults are billed at the table's list price (dated snapshot -> family); unknown models stay unpriced
      process.env.OPENAI_API_KEY = 'sk-openai-from-env-0000';
      try {
        expect((await registry.resolve('openai/gpt-4o-2024-08-06')).prices).toMatchObject({ input: 2.5, output: 10 });
        expect((await registry.resolve('openai/made-up-model')).prices).toBeUndefined();
      } finally {
        delete process.env.OPENAI_API_KEY;
      }
    } finally {
      for (const body of created) await call(first, 'DELETE', `/api/v1/llm-models/${body.model_id}`);
    }
  });

  it('shows a key marked invalid on one replica to the other replica', async () => {
    // Given both replicas resolved the model (and cache it for a minute)
    const onFirst = await first.app.get(ModelRegistry).resolve('gpt-4-turbo');
    const onSecond = await second.app.get(ModelRegistry).resolve('gpt-4-turbo');
    const key = onSecond.keyPool.next();
    expect(key?.apiKey).toBe(SECOND_KEY);
    // When the first marks it invalid
    await onFirst.keyPool.markInvalid(key!.keyId, 'upstream 401');
    // Then the second drops its cached resolution and hands the key out no more
    await eventually(async () => (await second.app.get(ModelRegistry).resolve('gpt-4-turbo')).keyPool.next() === undefined);
    const listed = await call(second, 'GET', '/api/v1/llm-models/gpt-4-turbo');
    expect(listed.json.api_keys.find((k: { id: string }) => k.id === key!.keyId)).toMatchObject({ status: 'invalid', invalid_reason: 'upstream 401' });
    // And a key cooling down is skipped by this process only
    // PATCH changes the one key named (PUT would make it the model's only key)
    await call(first, 'PATCH', '/api/v1/llm-models/gpt-4-turbo', { api_keys: [{ id: key!.keyId, status: 'enabled' }] });
    const again = await eventually(async () => {
      const model = await second.app.get(ModelRegistry).resolve('gpt-4-turbo');
      return model.keyPool.next() ? model : undefined;
    });
    again.keyPool.coolDown(key!.keyId, 60_000);
    expect(again.keyPool.next()).toBeUndefined();
  });

  it('mirrors an LLM resource applied through the ResourceStore, keys from the environment, and removes it when deleted', async () => {
    const store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(Buffer.from(MASTER_KEY, 'base64')) });
    process.env.LLM_TEST_KEY = RESOURCE_KEY;
    // The operator lets LLMs of provider openai name this variable.
    process.env.KASTRA_ALLOWED_ENV_REFS = 'openai:LLM_TEST_KEY';
    try {
      // When an LLM resource is created
      await store.create(
        {
          apiVersion: 'mastra.ai/v1',
          kind: 'LLM',
          metadata: { name: 'my-llm', namespace: 'default' },
          spec: { provider: 'openai', model: 'gpt-4o', apiKey: '${LLM_TEST_KEY}', options: { temperature: 0.2, maxTokens: 512 }, rateLimits: { requestsPerMinute: 60 }, fallbacks: ['backup'] },
        },
        { actor: 'user:test' },
      );
      // Then the registry gets a resource row (through the durable consumer, without a resolve)
      const row = await eventually(async () => {
        const list = await call(first, 'GET', '/api/v1/llm-models?provider=openai');
        return list.json.data.find((m: { model_id: string }) => m.model_id === 'default.my-llm');
      });
      expect(row).toMatchObject({ source: 'resource', resource_ref: 'default.my-llm', upstream_model: 'gpt-4o', rpm_limit: 60, max_tokens: 512, fallbacks: ['default.backup'] });
      expect(JSON.stringify(row)).not.toContain(RESOURCE_KEY);
      const model = await second.app.get(ModelRegistry).resolve('default.my-llm');
      expect(model).toMatchObject({ provider: 'openai', modelId: 'gpt-4o', options: { temperature: 0.2, maxTokens: 512 } });
      expect(model.keyPool.next()?.apiKey).toBe(RESOURCE_KEY);
      // And the admin API may not change it
      expect((await call(first, 'PUT', '/api/v1/llm-models/default.my-llm', { max_tokens: 1 })).status).toBe(409);
      // When the resource is deleted
      await store.delete({ kind: 'LLM', namespace: 'default', name: 'my-llm' }, { actor: 'user:test' });
      // Then its row goes
      await eventually(async () => (await call(first, 'GET', '/api/v1/llm-models/default.my-llm')).status === 404);
      await expect(first.app.get(ModelRegistry).resolve('default.my-llm')).rejects.toThrow(NotFoundError);
    } finally {
      delete process.env.LLM_TEST_KEY;
      delete process.env.KASTRA_ALLOWED_ENV_REFS;
      await store.close();
    }
  });

  it('gives an LLM whose key variable is unset no usable key, never the provider shared key of the environment', async () => {
    const store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(Buffer.from(MASTER_KEY, 'base64')) });
    // Given a shared OpenAI key in the proxy's environment (another account's, say)
    const sharedKey = `sk-shared-${randomBytes(12).toString('hex')}`;
    process.env.OPENAI_API_KEY = sharedKey;
    delete process.env.LLM_TEST_UNSET_KEY;
    process.env.KASTRA_ALLOWED_ENV_REFS = 'openai:LLM_TEST_UNSET_KEY';
    try {
      // When an LLM names a variable that is not set
      await store.create(
        { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'unset-llm', namespace: 'default' }, spec: { provider: 'openai', model: 'gpt-4o', apiKey: '${LLM_TEST_UNSET_KEY}' } },
        { actor: 'user:test' },
      );
      // Then its row has one invalid "(missing)" key that says which variable, and no value
      const row = await eventually(async () => {
        const found = await call(first, 'GET', '/api/v1/llm-models/default.unset-llm');
        return found.status === 200 ? found.json : undefined;
      });
      expect(row.api_keys).toEqual([expect.objectContaining({ hint: '(missing)', status: 'invalid' })]);
      expect(JSON.stringify(row)).toContain('LLM_TEST_UNSET_KEY');
      expect(JSON.stringify(row)).not.toContain(sharedKey);
      // And the model resolves with no usable key at all, saying why: calls get 403 no_key, not the shared key
      const model = await second.app.get(ModelRegistry).resolve('default.unset-llm');
      expect(model.keyPool.size).toBe(1);
      expect(model.keyPool.next()).toBeUndefined();
      expect(model.noKeyReason).toBe('model "default.unset-llm" has no usable API key for provider openai: environment variable LLM_TEST_UNSET_KEY is not set in llm-proxy');
      // And the models callers may use leave it out
      expect((await second.app.get(ModelRegistry).list()).map((listed) => listed.id)).not.toContain('default.unset-llm');
      await store.delete({ kind: 'LLM', namespace: 'default', name: 'unset-llm' }, { actor: 'user:test' });
    } finally {
      delete process.env.OPENAI_API_KEY;
      delete process.env.KASTRA_ALLOWED_ENV_REFS;
      await store.close();
    }
  });

  it('follows the Secret of an LLM resource on every replica at once: rotated, deleted, re-created; other Secrets reconcile nothing', async () => {
    const store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(Buffer.from(MASTER_KEY, 'base64')) });
    // A cluster-admin writes the LLM and its Secret: an LLM uses only Secrets its last writer may read.
    const actor = { actor: 'user:test', principal: { sub: 'test', groups: ['system:masters'] } };
    const secret = (namespace: string, name: string, value: string) => ({
      apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name, namespace }, stringData: { 'api-key': value },
    });
    /** The key each replica hands out for the LLM (both cache resolutions for a minute). */
    const keysOnReplicas = async () =>
      Promise.all([first, second].map(async (app) => (await app.app.get(ModelRegistry).resolve('default.keyed-llm')).keyPool.next()?.apiKey));
    /** Waits until the Secret consumer has acked the last event of Secret `namespace/name`. */
    const secretEventHandled = async (namespace: string, name: string) => {
      const names = natsNames(prefix);
      const jsm = await jetstreamManager(nc);
      const subject = names.eventSubject(resourceStreamId({ kind: 'Secret', namespace, name }));
      const { seq } = await eventually(async () => (await jsm.streams.getMessage(names.eventsStream, { last_by_subj: subject })) ?? undefined);
      await eventually(async () => (await jsm.consumers.info(names.eventsStream, LLM_SECRET_CONSUMER)).ack_floor.stream_seq >= seq);
    };
    try {
      // Given an LLM whose key is in a Secret, resolved (and cached) by both replicas
      await store.create(secret('default', 'llm-keys', SECRET_KEY_A), actor);
      await store.create(
        { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'keyed-llm', namespace: 'default' }, spec: { provider: 'openai', model: 'gpt-4o', secretRef: { name: 'llm-keys', key: 'api-key' } } },
        actor,
      );
      await eventually(async () => (await keysOnReplicas()).every((key) => key === SECRET_KEY_A));

      // When the Secret is changed to another key
      await store.update(secret('default', 'llm-keys', SECRET_KEY_B), actor);
      // Then both replicas hand out the new key, long before their cache would expire
      await eventually(async () => (await keysOnReplicas()).every((key) => key === SECRET_KEY_B));
      const row = await call(second, 'GET', '/api/v1/llm-models/default.keyed-llm');
      expect(row.json.api_keys).toEqual([expect.objectContaining({ hint: `sk-…${SECRET_KEY_B.slice(-4)}`, status: 'enabled' })]);
      expect(row.text).not.toContain(SECRET_KEY_B);

      // When Secrets it does not use change: the same name in another namespace, another name here
      const reconciles = [first, second].map((app) => jest.spyOn(app.app.get(LlmResourceSync), 'reconcile'));
      await store.create(secret('other', 'llm-keys', SECRET_KEY_C), actor);
      await store.create(secret('default', 'unrelated', SECRET_KEY_C), actor);
      await store.delete({ kind: 'Secret', namespace: 'default', name: 'unrelated' }, actor);
      await secretEventHandled('other', 'llm-keys');
      await secretEventHandled('default', 'unrelated');
      // Then no replica reconciled any LLM for them, and the key is unchanged
      for (const spy of reconciles) {
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
      }
      expect(await keysOnReplicas()).toEqual([SECRET_KEY_B, SECRET_KEY_B]);

      // When the Secret is deleted (and the provider has a shared key in the environment)
      process.env.OPENAI_API_KEY = SEED_KEY;
      try {
        await store.delete({ kind: 'Secret', namespace: 'default', name: 'llm-keys' }, actor);
        // Then neither replica has a usable key for the LLM: not the old one, not the shared one
        await eventually(async () => (await keysOnReplicas()).every((key) => key === undefined));
        const model = await first.app.get(ModelRegistry).resolve('default.keyed-llm');
        expect(model.keyPool.size).toBe(1);
        const missing = await call(first, 'GET', '/api/v1/llm-models/default.keyed-llm');
        expect(missing.json.api_keys).toEqual([
          expect.objectContaining({ hint: '(missing)', status: 'invalid', invalid_reason: 'Secret "llm-keys" has no key "api-key" in namespace "default"' }),
        ]);
      } finally {
        delete process.env.OPENAI_API_KEY;
      }

      // When the Secret is created again
      await store.create(secret('default', 'llm-keys', SECRET_KEY_C), actor);
      // Then its key is used again, on both replicas
      await eventually(async () => (await keysOnReplicas()).every((key) => key === SECRET_KEY_C));
      expect((await first.app.get(ModelRegistry).resolve('default.keyed-llm')).keyPool.size).toBe(1);
    } finally {
      await store.delete({ kind: 'LLM', namespace: 'default', name: 'keyed-llm' }, actor).catch(() => undefined);
      for (const [namespace, name] of [['default', 'llm-keys'], ['other', 'llm-keys']]) {
        await store.delete({ kind: 'Secret', namespace, name }, actor).catch(() => undefined);
      }
      await store.close();
      await eventually(async () => (await call(first, 'GET', '/api/v1/llm-models/default.keyed-llm')).status === 404);
    }
  });

  it('manages providers, tests them and syncs their models from the provider API', async () => {
    let upstream: MockOpenAIServer | undefined;
    try {
      upstream = await startMockOpenAIServer({ models: ['acme-large', 'acme-small'], acceptKeys: ['sk-acme-provider-key'] });
      const created = await call(first, 'POST', '/api/v1/llm/providers', { name: 'acme', type: 'openai-compatible', base_url: upstream.baseUrl, api_key: 'sk-acme-provider-key' });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name: 'acme', has_api_key: true, api_key_hint: 'sk-…-key' });
      expect(created.text).not.toContain('sk-acme-provider-key');
      const test = await call(first, 'POST', '/api/v1/llm/providers/acme/test');
      expect(test.json).toMatchObject({ ok: true, models: 2, models_source: 'api' });
      const sync = await call(first, 'POST', `/api/v1/llm/providers/${created.json.id}/sync-models`);
      expect(sync.json).toMatchObject({ source: 'api', created: ['acme-large', 'acme-small'] });
      // The synced models call with the provider's key
      const model = await first.app.get(ModelRegistry).resolve('acme/acme-large');
      expect(model).toMatchObject({ provider: 'openai-compatible', modelId: 'acme-large', baseUrl: upstream.baseUrl });
      expect(model.keyPool.next()?.apiKey).toBe('sk-acme-provider-key');
      // A wrong key fails the test; a disabled provider's models no longer resolve
      await call(first, 'PATCH', '/api/v1/llm/providers/acme', { api_key: 'sk-wrong-wrong-wrong' });
      const failed = await call(first, 'POST', '/api/v1/llm/providers/acme/test');
      expect(failed.json).toMatchObject({ ok: false, error: { type: 'auth' } });
      // The mock upstream quotes the key in its 401 message, as OpenAI does: the answer must not.
      expect(failed.text).not.toContain('sk-wrong-wrong-wrong');
      await call(first, 'PATCH', '/api/v1/llm/providers/acme', { enabled: false });
      await expect(first.app.get(ModelRegistry).resolve('acme-large')).rejects.toThrow(/disabled/);
      expect((await call(first, 'POST', '/api/v1/llm/providers', { name: 'bad', type: 'nope' })).json.error.causes[0].field).toBe('type');
    } finally {
      await upstream?.close();
    }
  });

  it('re-encrypts every key under a new master key and the keys still decrypt', async () => {
    // Given a replica started with a new master key and the old one as previous
    const newKey = randomBytes(32).toString('base64');
    const rotated = await startRegistryTestApp({ databaseUrl: db.url, prefix, env: { ...env, KASTRA_MASTER_KEY: newKey, KASTRA_PREVIOUS_MASTER_KEYS: MASTER_KEY } });
    try {
      // When an admin rotates
      const result = await call(rotated, 'POST', '/api/v1/llm/admin/rotate-master-key');
      // Then every stored key is under the new key id and decrypts with the new key alone
      expect(result.status).toBe(200);
      expect(result.json.reencrypted).toBeGreaterThanOrEqual(3);
      expect(result.json.undecryptable).toEqual([]);
      const { rows } = await pool.query(`SELECT key_ciphertext AS c FROM llm_model_keys UNION ALL SELECT api_key_ciphertext FROM llm_providers WHERE api_key_ciphertext IS NOT NULL`);
      const onlyNew = new SecretCipher(Buffer.from(newKey, 'base64'));
      for (const { c } of rows) {
        expect(c).toMatch(new RegExp(`^v1:${onlyNew.keyId}:`));
        expect(onlyNew.decrypt(c)).toMatch(/^sk-/);
      }
      const model = await rotated.app.get(ModelRegistry).resolve('gpt-4-turbo');
      expect([model.keyPool.next()?.apiKey, model.keyPool.next()?.apiKey]).toContain(SECOND_KEY);
      // And a second run has nothing left to do
      expect((await call(rotated, 'POST', '/api/v1/llm/admin/rotate-master-key')).json.reencrypted).toBe(0);
    } finally {
      await rotated.close();
    }
  });
});
