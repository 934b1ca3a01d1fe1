import { randomBytes } from 'node:crypto';
import { JwtAuthority } from '@kastra/auth';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startRegistryTestApp, type RegistryTestApp } from '../../llm-proxy/src/registry/registry-test-app';
import { startGateway, type GatewayProcess } from './gateway-process';

const JWT_SECRET = randomBytes(32).toString('hex');
const MASTER_KEY = randomBytes(32).toString('base64');
const PROVIDER_KEY = 'sk-through-the-gateway-kkkkkkkkkkkkkkkk';
const authority = new JwtAuthority(JWT_SECRET);
const bearer = (role: 'admin' | 'user', sub: string) => ({ authorization: `Bearer ${authority.issue({ sub, role })}` });

describe('api-gateway serves the llm-proxy admin API (gateway from dist/, llm-proxy registry in process)', () => {
  let db: TestDatabase;
  let prefix: string;
  let proxy: RegistryTestApp;
  let gateway: GatewayProcess;

  const call = async (base: string, method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    db = await createTestDatabase('gwllm');
    prefix = testNatsPrefix('gwllm');
    proxy = await startRegistryTestApp({ databaseUrl: db.url, prefix, env: { KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_MASTER_KEY: MASTER_KEY, KASTRA_PREVIOUS_MASTER_KEYS: undefined } });
    // The gateway shares the proxy's JWT secret (as a deployment does) and is told where the proxy is.
    const saved = { secret: process.env.KASTRA_JWT_SECRET, url: process.env.KASTRA_LLM_PROXY_URL };
    process.env.KASTRA_JWT_SECRET = JWT_SECRET;
    process.env.KASTRA_LLM_PROXY_URL = proxy.url;
    try {
      gateway = await startGateway();
    } finally {
      if (saved.secret === undefined) delete process.env.KASTRA_JWT_SECRET;
      else process.env.KASTRA_JWT_SECRET = saved.secret;
      if (saved.url === undefined) delete process.env.KASTRA_LLM_PROXY_URL;
      else process.env.KASTRA_LLM_PROXY_URL = saved.url;
    }
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await proxy?.close();
    await db?.drop();
    await deleteTestStreams(prefix);
  });

  it('answers curl http://<gateway>/api/v1/llm-models as the llm-proxy does, writes included', async () => {
    const admin = bearer('admin', 'root');
    // When an admin lists models and creates a provider (older field names) through the gateway
    const listed = await call(gateway.httpUrl, 'GET', '/api/v1/llm-models', admin);
    expect(listed.status).toBe(200);
    expect(listed.json).toMatchObject({ object: 'list', data: [], total: 0 });
    const created = await call(gateway.httpUrl, 'POST', '/api/v1/llm/providers', admin, { name: 'via-gateway', provider_type: 'openai', config: { api_key: PROVIDER_KEY } });
    // Then the llm-proxy did it, and the key never comes back
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'via-gateway', type: 'openai', has_api_key: true });
    expect(created.text).not.toContain(PROVIDER_KEY);
    const direct = await call(proxy.url, 'GET', '/api/v1/llm/providers/via-gateway', admin);
    expect(direct.status).toBe(200);
    // And a model path with a query, and an unknown model, pass through unchanged
    const filtered = await call(gateway.httpUrl, 'GET', '/api/v1/llm-models?provider=openai&limit=5', admin);
    expect(filtered.status).toBe(200);
    const missing = await call(gateway.httpUrl, 'GET', '/api/v1/llm-models/no-such-model', admin);
    expect(missing.status).toBe((await call(proxy.url, 'GET', '/api/v1/llm-models/no-such-model', admin)).status);
    expect(missing.status).toBe(404);
  });

  it('gains no privilege through the gateway: a user is refused, no token is 401, as when calling the llm-proxy', async () => {
    const user = bearer('user', 'mallory');
    for (const [method, path, body] of [
      ['GET', '/api/v1/llm-models', undefined],
      ['POST', '/api/v1/llm/providers', { name: 'evil', type: 'openai' }],
      ['GET', '/api/v1/llm/user-limits', undefined],
    ] as const) {
      const through = await call(gateway.httpUrl, method, path, user, body);
      const direct = await call(proxy.url, method, path, user, body);
      expect(through.status).toBe(403);
      expect(through.status).toBe(direct.status);
      const anonymous = await call(gateway.httpUrl, method, path, {}, body);
      expect(anonymous.status).toBe(401);
    }
    expect((await call(proxy.url, 'GET', '/api/v1/llm/providers/evil', bearer('admin', 'root'))).status).toBe(404);
  });

  it('keeps its own routes: /api/v1 core resources and paths that only look alike', async () => {
    const admin = bearer('admin', 'root');
    expect((await call(gateway.httpUrl, 'GET', '/api/v1/namespaces', admin)).status).toBe(200);
    const lookalike = await call(gateway.httpUrl, 'GET', '/api/v1/llm-modelsx', admin);
    expect(lookalike.json?.kind).toBe('Status');
  });
});
