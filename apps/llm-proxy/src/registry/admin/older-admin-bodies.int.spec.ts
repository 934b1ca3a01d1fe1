import { randomBytes } from 'node:crypto';
import { JwtAuthority } from '@kastra/auth';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { ModelRegistry } from '../model-registry';
import { startRegistryTestApp, type RegistryTestApp } from '../registry-test-app';

const JWT_SECRET = randomBytes(32).toString('hex');
const MASTER_KEY = randomBytes(32).toString('base64');
const authority = new JwtAuthority(JWT_SECRET);
const admin = { authorization: `Bearer ${authority.issue({ sub: 'root', role: 'admin' })}` };
const PROVIDER_KEY = 'sk-older-docs-provider-key-pppppppppppp';
const KEY_ONE = 'sk-model-key-one-1111111111111111111111';
const KEY_TWO = 'sk-model-key-two-2222222222222222222222';
const KEY_NEW = 'sk-model-key-new-nnnnnnnnnnnnnnnnnnnnnn';

describe('llm-proxy admin API: bodies as the older docs write them, and PUT replacing api_keys (Postgres)', () => {
  let db: TestDatabase;
  let prefix: string;
  let app: RegistryTestApp;
  const env = { KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_MASTER_KEY: MASTER_KEY, KASTRA_PREVIOUS_MASTER_KEYS: undefined, KASTRA_LLM_REGISTRY_CACHE_MS: '60000' };

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    db = await createTestDatabase('llmolder');
    prefix = testNatsPrefix('llmolder');
    app = await startRegistryTestApp({ databaseUrl: db.url, prefix, env });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await deleteTestStreams(prefix);
  });

  it('takes provider_type, is_active and config.api_key beside type, enabled and api_key, and keeps the key out of config', async () => {
    // When a provider is created with the older field names
    const created = await call('POST', '/api/v1/llm/providers', {
      name: 'openai-older',
      provider_type: 'openai',
      is_active: false,
      config: { api_key: PROVIDER_KEY, base_url: 'https://llm.example.com/v1', organization: 'org-1' },
    });
    // Then they land in today's fields; the key is stored encrypted, shown as a hint only, never in config
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'openai-older', type: 'openai', enabled: false, base_url: 'https://llm.example.com/v1', has_api_key: true, config: { organization: 'org-1' } });
    expect(created.json.config).not.toHaveProperty('api_key');
    expect(created.text).not.toContain(PROVIDER_KEY);
    // And an update may use them too
    const updated = await call('PATCH', '/api/v1/llm/providers/openai-older', { is_active: true });
    expect(updated.json).toMatchObject({ enabled: true, type: 'openai' });
    // And the two names of one setting with different values are a 422 naming the older one
    const conflict = await call('POST', '/api/v1/llm/providers', { name: 'x', type: 'openai', provider_type: 'anthropic' });
    expect(conflict.status).toBe(422);
    expect(conflict.text).toContain('provider_type');
    // And unknown fields are still refused
    expect((await call('POST', '/api/v1/llm/providers', { name: 'y', provider_type: 'openai', colour: 'red' })).status).toBe(422);
  });

  it('replaces the key list with PUT api_keys, and adds to it with PATCH', async () => {
    const created = await call('POST', '/api/v1/llm-models', { name: 'Keyed', model_id: 'keyed-model', provider: 'openai', key_usage_mode: 'round-robin', api_keys: [{ key: KEY_ONE }, { key: KEY_TWO }] });
    expect(created.status).toBe(201);
    const [one] = created.json.api_keys as Array<{ id: string }>;
    // When PUT sends one kept key (by id) and one new key
    const put = await call('PUT', '/api/v1/llm-models/keyed-model', { api_keys: [{ id: one.id, status: 'enabled' }, { key: KEY_NEW }] });
    // Then the model has exactly those two: the key not named is gone
    expect(put.status).toBe(200);
    expect(put.json.api_keys.map((k: { hint: string }) => k.hint)).toEqual([`sk-…${KEY_ONE.slice(-4)}`, `sk-…${KEY_NEW.slice(-4)}`]);
    // And the call path hands out only those keys
    const model = await app.app.get(ModelRegistry).resolve('keyed-model');
    const handed = new Set([model.keyPool.next()?.apiKey, model.keyPool.next()?.apiKey, model.keyPool.next()?.apiKey]);
    expect(handed).toEqual(new Set([KEY_ONE, KEY_NEW]));
    // When PUT sends only a new key, as the older docs do
    const replaced = await call('PUT', '/api/v1/llm-models/keyed-model', { api_keys: [{ key: KEY_TWO }] });
    expect(replaced.json.api_keys).toHaveLength(1);
    expect(replaced.json.api_keys[0].hint).toBe(`sk-…${KEY_TWO.slice(-4)}`);
    // And PATCH adds beside it
    const patched = await call('PATCH', '/api/v1/llm-models/keyed-model', { api_keys: [{ key: KEY_ONE }] });
    expect(patched.json.api_keys).toHaveLength(2);
    // And a PUT naming an id the model does not have changes nothing (422)
    const bad = await call('PUT', '/api/v1/llm-models/keyed-model', { api_keys: [{ id: '00000000-0000-4000-8000-000000000000' }] });
    expect(bad.status).toBe(422);
    expect((await call('GET', '/api/v1/llm-models/keyed-model')).json.api_keys).toHaveLength(2);
    // And PUT without api_keys leaves the keys alone
    expect((await call('PUT', '/api/v1/llm-models/keyed-model', { max_tokens: 100 })).json.api_keys).toHaveLength(2);
    for (const text of [created.text, put.text, replaced.text, patched.text]) for (const key of [KEY_ONE, KEY_TWO, KEY_NEW]) expect(text).not.toContain(key);
  });
});
