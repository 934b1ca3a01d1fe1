import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { startEventRelay, type EventRelay } from '@kastra/messaging';
import { createResourceStore } from '@kastra/resource-store';
import { createTestDatabase, deleteTestStreams, eventually, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy';
import { testHome } from './test-proxy';

/** Assembled at runtime so that no literal in the repository looks like a credential. */
const secret = (name: string) => ['sk', 'test', 'creds', name, 'z'.repeat(10)].join('-');
const SERVICE_SECRET = secret('service');
const PROVIDER_KEY = secret('provider-env');
const ADMIN_PROVIDER_KEY = secret('admin-provider');
const USER_SECRET_KEY = secret('users-own');
const ADMIN_SECRET_KEY = secret('admins');
/** Variables of the proxy's environment this test sets (saved and restored around it). */
const VARIABLES: Record<string, string> = { KASTRA_JWT_SECRET_COPY: SERVICE_SECRET, OPENAI_API_KEY: PROVIDER_KEY, KASTRA_EGRESS_ALLOW: '' };

/** A listener that records every connection and request: the attacker's collector. */
async function collector(): Promise<{ server: Server; url: string; connections: number; headers: IncomingHttpHeaders[] }> {
  const state = { server: undefined as unknown as Server, url: '', connections: 0, headers: [] as IncomingHttpHeaders[] };
  state.server = createServer((req, res) => {
    state.headers.push(req.headers);
    res.writeHead(500).end();
  });
  state.server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/v1`;
  return state;
}

/**
 * No principal can cause a credential it cannot read to be sent to a destination it chooses: an
 * LLM resource written by a user names variables of the proxy's environment, or points its
 * base URL at a server of its own, and asks the real llm-proxy (registry, resource sync, call
 * path) to call it.
 */
describe('llm-proxy: what an LLM resource may make the proxy send, and where', () => {
  let database: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let proxy: RegistryProxy;
  let opened: MockOpenAIServer;
  let attacker: Awaited<ReturnType<typeof collector>>;
  let nc: NatsConnection;
  let relay: EventRelay;
  const prefix = testNatsPrefix('llmcreds');
  const home = testHome();
  const saved = Object.fromEntries(Object.keys(VARIABLES).map((name) => [name, process.env[name]]));
  const user = { actor: 'user:mallory' };
  const root = { actor: 'user:root', principal: { sub: 'root', groups: ['system:masters'] } };
  /** Binds mallory to ClusterRole `role` in `namespace`, as an admin would. */
  const bind = (role: string, namespace: string) =>
    store.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `mallory-${role}`, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory' }] } as unknown as Resource, root);

  const chat = async (model: string) => {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${home.token('user', 'mallory')}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: response.status, text: await response.text() };
  };
  const llm = (name: string, spec: Record<string, unknown>) => store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name, namespace: 'mallory' }, spec } as Resource, user);

  beforeAll(async () => {
    database = await createTestDatabase('llmcreds');
    pool = new Pool({ connectionString: database.url, max: 3 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: database.url, homeDir: home.home });
    // A server the policy lets LLMs reach (a public endpoint stands in for it: its port is opened), and one it does not
    opened = await startMockOpenAIServer({ acceptKeys: [USER_SECRET_KEY, PROVIDER_KEY, SERVICE_SECRET, ADMIN_PROVIDER_KEY, ADMIN_SECRET_KEY] });
    // mallory administers her own namespace (she may read its Secrets) and edits team-m, whose Secret admin-key is an admin's
    await bind('admin', 'mallory');
    await bind('edit', 'team-m');
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'admin-key', namespace: 'team-m' }, stringData: { token: ADMIN_SECRET_KEY } } as Resource, root);
    // The proxy follows LLM changes through the event log relayed to NATS (the gateway relays it in a deployment)
    nc = await connect({ servers: TEST_NATS_URL });
    relay = await startEventRelay({ pool, nc, prefix, databaseUrl: database.url });
    attacker = await collector();
    // The proxy reads its environment as it runs: the keys, and the operator's opening of the first server only
    Object.assign(process.env, VARIABLES, { KASTRA_EGRESS_ALLOW: new URL(opened.origin).host });
    proxy = await startRegistryProxy({ databaseUrl: database.url, prefix, home: home.home, env: { KASTRA_LLM_REGISTRY_CACHE_MS: '0', KASTRA_LLM_MAX_ATTEMPTS: '1' } });
    // An admin's provider account for openai-compatible, with its key
    const created = await fetch(`${proxy.url}/api/v1/llm/providers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${home.token('admin')}` },
      body: JSON.stringify({ name: 'openai-compatible', type: 'openai-compatible', api_key: ADMIN_PROVIDER_KEY }),
    });
    expect(created.status).toBe(201);
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'own-key', namespace: 'mallory' }, stringData: { key: USER_SECRET_KEY } } as Resource, user);
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await proxy?.close();
    await relay?.stop();
    await nc?.close();
    await store?.close();
    await pool?.end();
    await opened?.close();
    attacker?.server.close();
    await database?.drop();
    await deleteTestStreams(prefix).catch(() => undefined);
    home.remove();
  });

  beforeEach(() => opened.reset());

  it('never reads a variable the operator did not allow: ${KASTRA_JWT_SECRET_COPY} to a server of its choosing is 403 no_key, nothing sent', async () => {
    // Given an LLM naming a variable of the proxy's environment, its base URL a server the attacker reads
    await llm('thief', { provider: 'openai', model: 'gpt-4o', apiKey: '${KASTRA_JWT_SECRET_COPY}', options: { baseURL: opened.baseUrl } });
    // When it is called
    const answer = await chat('mallory.thief');
    // Then the call is refused naming the rule, the server got nothing, and the value appears nowhere
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('no_key');
    expect(answer.text).toContain('takes keys from Secrets only');
    expect(opened.requests).toHaveLength(0);
    expect(answer.text).not.toContain(SERVICE_SECRET);
  });

  it('never sends the provider key of the environment to a base URL of the LLM\'s own, named or as the default', async () => {
    // Given LLMs at a server of the attacker's: one naming ${OPENAI_API_KEY}, one naming no key (the default key would be used)
    await llm('named', { provider: 'openai', model: 'gpt-4o', apiKey: '${OPENAI_API_KEY}', options: { baseURL: opened.baseUrl } });
    await llm('bare', { provider: 'openai', model: 'gpt-4o', options: { baseURL: opened.baseUrl } });
    // When each is called
    const named = await chat('mallory.named');
    const bare = await chat('mallory.bare');
    // Then both are refused with no_key naming why, and the server never saw a request (so never the key)
    expect(named).toMatchObject({ status: 403, text: expect.stringContaining('spec.apiKey names ${OPENAI_API_KEY}') });
    expect(bare).toMatchObject({ status: 403, text: expect.stringContaining("never given the provider's default key") });
    expect(opened.requests).toHaveLength(0);
  });

  it('never lends an admin\'s provider key to an LLM at an endpoint of its own: it is called without a key', async () => {
    // Given the admin's openai-compatible provider with a key, and an LLM of that provider at the attacker's server with no key
    await llm('borrower', { provider: 'openai-compatible', model: 'house', options: { baseURL: opened.baseUrl } });
    // When it is called
    const answer = await chat('mallory.borrower');
    // Then the server saw one request without any key (and, wanting one, refused it), and the admin's key appears nowhere
    expect(opened.requests).toHaveLength(1);
    expect(opened.requests[0].headers.authorization).toBeUndefined();
    expect(answer.text).not.toContain(ADMIN_PROVIDER_KEY);
  });

  it('calls its own Secret\'s key at a public endpoint, and refuses a private one before connecting (egress policy)', async () => {
    // Given the user's own key in a Secret and LLMs pointing at the opened server and at a loopback listener
    await llm('own', { provider: 'openai-compatible', model: 'house', secretRef: { name: 'own-key', key: 'key' }, options: { baseURL: opened.baseUrl } });
    await llm('internal', { provider: 'openai-compatible', model: 'house', secretRef: { name: 'own-key', key: 'key' }, options: { baseURL: attacker.url } });
    // When each is called
    const own = await chat('mallory.own');
    const internal = await chat('mallory.internal');
    // Then the opened server got the user's own key
    expect(own.status).toBe(200);
    expect(opened.requests[0].headers.authorization).toBe(`Bearer ${USER_SECRET_KEY}`);
    // And the loopback one is refused by the egress policy, without a connection
    expect(internal.status).toBe(400);
    expect(internal.text).toContain('refused by egress policy: 127.0.0.1 is a loopback address');
    expect(attacker.connections).toBe(0);
  });

  it('never sends an admin\'s Secret to a base URL of the user\'s choosing: her LLM naming it is 403 no_key naming the rule, nothing sent', async () => {
    // Given mallory's LLM in team-m (she edits it, and may not read its Secrets) taking its key from admin-key, at a server that would take it
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'skim', namespace: 'team-m' }, spec: { provider: 'openai-compatible', model: 'house', secretRef: { name: 'admin-key', key: 'token' }, options: { baseURL: opened.baseUrl } } } as Resource, user);
    // When it is called
    const answer = await chat('team-m.skim');
    // Then it is refused naming the Secret and the rule, the server saw no request, and the key is nowhere
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('no_key');
    expect(answer.text).toContain('spec.secretRef names Secret \\"admin-key\\" in namespace \\"team-m\\", which whoever last wrote this LLM may not get');
    expect(opened.requests).toHaveLength(0);
    expect(answer.text).not.toContain(ADMIN_SECRET_KEY);
  });

  it('calls with the admin\'s Secret for an LLM the admin wrote, and stops once mallory re-points it (she becomes its last writer)', async () => {
    // Given the admin's LLM using admin-key at the opened server
    const key = { kind: 'LLM', namespace: 'team-m', name: 'house' };
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'house', namespace: 'team-m' }, spec: { provider: 'openai-compatible', model: 'house', secretRef: { name: 'admin-key', key: 'token' }, options: { baseURL: opened.baseUrl } } } as Resource, root);
    // When it is called, Then the server gets the admin's key
    expect((await chat('team-m.house')).status).toBe(200);
    expect(opened.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${ADMIN_SECRET_KEY}`]);
    // When mallory patches its base URL (another path of a server she reads)
    await store.patch(key, (current) => ({ ...current!, spec: { ...current!.spec, options: { baseURL: `${opened.origin}/mallory/v1` } } }), user);
    // Then, once the proxy has the change, calls are refused naming the rule, and her path never sees a request
    const refused = await eventually(async () => {
      const answer = await chat('team-m.house');
      return answer.status === 403 ? answer : undefined;
    });
    expect(refused.text).toContain('which whoever last wrote this LLM may not get');
    expect(opened.requests.filter((request) => request.path.startsWith('/mallory'))).toHaveLength(0);
    expect(refused.text).not.toContain(ADMIN_SECRET_KEY);
  });

  it('lets an LLM cluster-admin wrote call a loopback server nobody opened (egress-private), and refuses it once mallory wrote it', async () => {
    // Given a model server on loopback that KASTRA_EGRESS_ALLOW does not open, and root's LLM calling it
    const internal = await startMockOpenAIServer();
    try {
      const key = { kind: 'LLM', namespace: 'team-m', name: 'internal' };
      await store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'internal', namespace: 'team-m' }, spec: { provider: 'openai-compatible', model: 'house', options: { baseURL: internal.baseUrl } } } as Resource, root);
      // When it is called, Then the server answers it
      expect((await chat('team-m.internal')).status).toBe(200);
      expect(internal.requests).toHaveLength(1);
      // When mallory rewrites it (the same endpoint), Then the egress policy refuses it before connecting
      await store.patch(key, (current) => ({ ...current!, metadata: { ...current!.metadata, labels: { touched: 'mallory' } } }), user);
      const refused = await eventually(async () => {
        const answer = await chat('team-m.internal');
        return answer.status === 400 ? answer : undefined;
      });
      expect(refused.text).toContain('refused by egress policy: 127.0.0.1 is a loopback address');
      expect(internal.requests).toHaveLength(1);
    } finally {
      await internal.close();
    }
  });

  it('follows mallory\'s rights as they change: a RoleBinding letting her read team-m\'s Secrets makes her LLM callable, its deletion refuses it again', async () => {
    // Given mallory's LLM using admin-key at the opened server, refused
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'later', namespace: 'team-m' }, spec: { provider: 'openai-compatible', model: 'house', secretRef: { name: 'admin-key', key: 'token' }, options: { baseURL: opened.baseUrl } } } as Resource, user);
    expect((await chat('team-m.later')).status).toBe(403);
    // When an admin makes her an admin of team-m, Then the LLM is called with the key, nothing else done
    await bind('admin', 'team-m');
    await eventually(async () => (await chat('team-m.later')).status === 200);
    expect(opened.requests.at(-1)?.headers.authorization).toBe(`Bearer ${ADMIN_SECRET_KEY}`);
    // When the binding is deleted, Then it is refused again and the server gets nothing more
    await store.delete({ kind: 'RoleBinding', namespace: 'team-m', name: 'mallory-admin' }, root);
    await eventually(async () => (await chat('team-m.later')).status === 403);
    opened.reset();
    expect((await chat('team-m.later')).status).toBe(403);
    expect(opened.requests).toHaveLength(0);
  });

  it('never lets a later writer\'s egress-private cover a base URL an earlier writer chose, while the proxy still has the earlier row', async () => {
    // Given mallory's LLM at a loopback server nobody opened, mirrored into the registry (and refused)
    const internal = await startMockOpenAIServer();
    try {
      await store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'swap', namespace: 'team-m' }, spec: { provider: 'openai-compatible', model: 'house', options: { baseURL: internal.baseUrl } } } as Resource, user);
      expect((await chat('team-m.swap')).status).toBe(400);
      // When cluster-admin rewrites it to another endpoint while the proxy has not yet seen that write (the relay is paused)
      await relay.stop();
      await store.patch({ kind: 'LLM', namespace: 'team-m', name: 'swap' }, (current) => ({ ...current!, spec: { ...current!.spec, options: { baseURL: `${opened.origin}/admin/v1` } } }), root);
      const answer = await chat('team-m.swap');
      // Then the row mallory's write left is still refused, and her endpoint never saw a request
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('refused by egress policy');
      expect(internal.requests).toHaveLength(0);
    } finally {
      relay = await startEventRelay({ pool, nc, prefix, databaseUrl: database.url });
      await internal.close();
    }
  });
});
