import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'pg';
import { JwtAuthority } from '@kastra/auth';
import { startMockAnthropicServer, startMockOpenAIServer, type MockAnthropicServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { startEventRelay } from '@kastra/messaging';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import {
  createTestDatabase,
  deleteTestStreams,
  eventually,
  freePort,
  startServiceProcess,
  TEST_NATS_URL,
  testNatsPrefix,
  type ServiceProcess,
  type TestDatabase,
} from '@kastra/testing';

const secret = (label: string) => `sk-e2e-${label}-${randomBytes(12).toString('hex')}`;
const KEY_1 = secret('one');
const KEY_2 = secret('two');
const KEY_BAD = secret('revoked');
const KEY_GOOD = secret('good');
const KEY_THROTTLED = secret('throttled');
const KEY_ANTHROPIC = secret('anthropic');
const KEY_DEAD = secret('dead');
const KEY_ENV = secret('env');
const KEY_SECRET_A = secret('secret-a');
const KEY_SECRET_B = secret('secret-b');
const ALL_KEYS = [KEY_1, KEY_2, KEY_BAD, KEY_GOOD, KEY_THROTTLED, KEY_ANTHROPIC, KEY_DEAD, KEY_ENV, KEY_SECRET_A, KEY_SECRET_B];
const JWT_SECRET = randomBytes(32).toString('hex');
const MASTER_KEY = randomBytes(32).toString('base64');
const PROVIDER_KEYS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_API_KEY', 'GEMINI_API_KEY', 'GROQ_API_KEY', 'MOONSHOT_API_KEY', 'QWEN_API_KEY', 'DASHSCOPE_API_KEY'];

const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/**
 * llm-proxy as it runs: three processes from dist/ on one database, NATS prefix and Redis, models
 * created through the admin API with the admin API's documented body, called with the official SDKs.
 */
describe('llm-proxy e2e (3 processes, admin API, official SDKs, no key leaks)', () => {
  let database: TestDatabase;
  let pool: Pool;
  let openaiUpstream: MockOpenAIServer;
  let anthropicUpstream: MockAnthropicServer;
  let home: string;
  const prefix = testNatsPrefix('llme2e');
  const proxies: ServiceProcess[] = [];
  const authority = new JwtAuthority(JWT_SECRET);
  const adminToken = authority.issue({ sub: 'root', role: 'admin' });
  const userToken = authority.issue({ sub: 'carol', role: 'user' });
  /** Every body and header the proxies answered with, for the leak check. */
  const responses: string[] = [];

  async function recordingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const response = await fetch(input, init);
    const text = await response.clone().text().catch(() => '');
    responses.push(text, JSON.stringify([...response.headers.entries()]));
    return response;
  }

  const openai = (index = 0) => new OpenAI({ apiKey: userToken, baseURL: `${proxies[index].url}/v1`, maxRetries: 0, fetch: recordingFetch });
  const anthropic = (index = 0) => new Anthropic({ apiKey: userToken, baseURL: proxies[index].url, maxRetries: 0, fetch: recordingFetch });

  async function admin(method: string, route: string, body?: unknown, index = 0): Promise<{ status: number; json: any }> {
    const response = await recordingFetch(`${proxies[index].url}${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  async function usageEvents(): Promise<Array<Record<string, any>>> {
    const { rows } = await pool.query(`SELECT data FROM kastra_events WHERE category = 'usage' ORDER BY global_position`);
    return rows.map((row) => row.data);
  }

  /** The last usage event of `model` matching `probe`, once some proxy has appended it. */
  function usageOf(model: string, probe: (event: Record<string, any>) => boolean = () => true): Promise<Record<string, any>> {
    return eventually(async () => (await usageEvents()).reverse().find((e) => e.model === model && probe(e)), 10_000, 50);
  }

  beforeAll(async () => {
    database = await createTestDatabase('llme2e');
    pool = new Pool({ connectionString: database.url, max: 2 });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-llm-e2e-'));
    // Every key but the revoked one is accepted; that one gets 401 like a key deleted at the provider.
    openaiUpstream = await startMockOpenAIServer({ acceptKeys: [KEY_1, KEY_2, KEY_GOOD, KEY_THROTTLED, KEY_ENV, KEY_SECRET_A, KEY_SECRET_B], retryAfterSeconds: 1 });
    anthropicUpstream = await startMockAnthropicServer({ acceptKeys: [KEY_ANTHROPIC] });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      KASTRA_JWT_SECRET: JWT_SECRET,
      KASTRA_MASTER_KEY: MASTER_KEY,
      E2E_LLM_KEY: KEY_ENV,
      // Debug logs: the leak check reads the most verbose output the proxy can write.
      LOG_LEVEL: 'debug',
      KASTRA_LLM_MAX_ATTEMPTS: '2',
      KASTRA_LLM_RETRY_BASE_MS: '20',
      KASTRA_LLM_TIMEOUT_MS: '5000',
      // Resolutions cached for a minute: a change seen sooner came through the registry change bus.
      KASTRA_LLM_REGISTRY_CACHE_MS: '60000',
      // LLM resources' base URLs go through the egress policy: the operator opens the OpenAI mock.
      KASTRA_EGRESS_ALLOW: new URL(openaiUpstream.origin).host,
    };
    for (const name of PROVIDER_KEYS) delete env[name];
    // The first one migrates the schema alone; the other two start side by side.
    proxies.push(await startServiceProcess('llm-proxy', await freePort(), env, { keepAllLogs: true }));
    proxies.push(...(await Promise.all([startServiceProcess('llm-proxy', await freePort(), env, { keepAllLogs: true }), startServiceProcess('llm-proxy', await freePort(), env, { keepAllLogs: true })])));

    const deadPort = await freePort();
    const models = [
      // The documented admin body, pointed at the mock: two keys, round-robin, an RPM limit
      {
        name: 'GPT-4 Turbo', model_id: 'gpt-4-turbo', provider: 'openai', type: 'chat', description: 'seed body', base_url: openaiUpstream.baseUrl,
        auth_type: 'api_key', key_usage_mode: 'round-robin', api_keys: [{ key: KEY_1, status: 'enabled' }, { key: KEY_2, status: 'enabled' }],
        supports_vision: true, max_tokens: 4096, context_window: 128000, input_price: 10, output_price: 30, rpm_limit: 500, tpm_limit: 200000,
      },
      { name: 'Claude Sonnet 4', model_id: 'claude-sonnet-4', provider: 'anthropic', type: 'chat', base_url: anthropicUpstream.baseUrl, api_keys: [{ key: KEY_ANTHROPIC, status: 'enabled' }] },
      { name: 'Revoked first', model_id: 'gpt-4o-mini', provider: 'openai', base_url: openaiUpstream.baseUrl, key_usage_mode: 'round-robin', api_keys: [{ key: KEY_BAD }, { key: KEY_GOOD }] },
      { name: 'Throttled', model_id: 'gpt-4o', provider: 'openai', base_url: openaiUpstream.baseUrl, api_keys: [{ key: KEY_THROTTLED }] },
      // A fallback pair: the primary's upstream is down, Claude answers instead
      { name: 'Down', model_id: 'down-primary', provider: 'openai', base_url: `http://127.0.0.1:${deadPort}/v1`, api_keys: [{ key: KEY_DEAD }], fallbacks: ['claude-sonnet-4'] },
      { name: 'Limited', model_id: 'rpm-limited', provider: 'openai', base_url: openaiUpstream.baseUrl, api_keys: [{ key: KEY_1 }], rpm_limit: 4 },
    ];
    for (const body of models) {
      const created = await admin('POST', '/api/v1/llm-models', body);
      if (created.status !== 201) throw new Error(`creating ${body.model_id}: ${created.status} ${JSON.stringify(created.json)}`);
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await openaiUpstream?.close();
    await anthropicUpstream?.close();
    await pool?.end();
    await database?.drop();
    await deleteTestStreams(prefix);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  beforeEach(() => {
    openaiUpstream.reset();
    anthropicUpstream.reset();
  });

  it('lists the registry models with prices and answers the documented model through the OpenAI SDK, round-robin over its two keys', async () => {
    const listed = await openai().models.list();
    const seed = listed.data.find((m) => m.id === 'gpt-4-turbo') as unknown as Record<string, unknown>;
    expect(seed).toMatchObject({ provider: 'openai', context_window: 128000, supports_vision: true, pricing: { input: 10, output: 30 } });
    // gpt-4o has no price of its own: the shipped table's
    expect(listed.data.find((m) => m.id === 'gpt-4o')).toMatchObject({ pricing: { input: 2.5, output: 10 } });

    for (const word of ['alpha', 'beta']) {
      const { data, response } = await openai().chat.completions.create({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: word }] }).withResponse();
      expect(data.choices[0].message.content).toContain(word);
      expect(response.headers.get('x-kastra-proxy-overhead-ms')).toMatch(/^\d{1,3}\.\d{3}$/);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('etag')).toBeNull();
    }
    expect(openaiUpstream.requests.map((r) => r.headers.authorization).sort()).toEqual([`Bearer ${KEY_1}`, `Bearer ${KEY_2}`].sort());
    const event = await usageOf('gpt-4-turbo', (e) => e.status === 'ok');
    expect(event).toMatchObject({ user: 'carol', provider: 'openai', priced: true, stream: false });
    expect(event.costUsd).toBeGreaterThan(0);
  });

  it('streams and passes tool calls through the OpenAI SDK, whole and as deltas', async () => {
    const stream = await openai(1).chat.completions.create({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: 'stream this' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toContain('stream this');
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const whole = await openai(2).chat.completions.create({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: 'Paris' }], tools: [WEATHER_TOOL] });
    expect(whole.choices[0].finish_reason).toBe('tool_calls');
    expect(JSON.parse((whole.choices[0].message.tool_calls![0] as { function: { arguments: string } }).function.arguments)).toEqual({ city: 'Paris' });

    const deltas = await openai(0).chat.completions.create({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: 'Rome' }], tools: [WEATHER_TOOL], stream: true });
    let args = '';
    for await (const chunk of deltas) for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args += call.function?.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ city: 'Rome' });
  });

  it('speaks Anthropic both ways: the Anthropic SDK to an Anthropic upstream, plain, streamed and with tools', async () => {
    const message = await anthropic().messages.create({ model: 'claude-sonnet-4', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hello claude' }] });
    expect((message.content[0] as { text: string }).text).toContain('hello claude');
    expect(message.usage.output_tokens).toBeGreaterThan(0);

    const final = await anthropic(1).messages.stream({ model: 'claude-sonnet-4', max_tokens: 100, messages: [{ role: 'user', content: 'stream claude' }] }).finalMessage();
    expect((final.content[0] as { text: string }).text).toContain('stream claude');

    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }];
    const toolUse = await anthropic(2).messages.create({ model: 'claude-sonnet-4', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Oslo' }] });
    expect(toolUse.stop_reason).toBe('tool_use');
    expect(toolUse.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Oslo' } });
    // The upstream got the key in Anthropic's header, the proxy's JWT never left the proxy
    expect(anthropicUpstream.requests.every((r) => r.headers['x-api-key'] === KEY_ANTHROPIC || r.headers.authorization === `Bearer ${KEY_ANTHROPIC}`)).toBe(true);
    expect(JSON.stringify(anthropicUpstream.requests.map((r) => r.headers))).not.toContain(userToken);
  });

  it('marks a key the provider rejects (401) invalid, answers with the other key, and no replica uses it again', async () => {
    const first = await openai(0).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'first try' }] });
    expect(first.choices[0].message.content).toContain('first try');
    const keys = await eventually(async () => {
      const row = await admin('GET', '/api/v1/llm-models/gpt-4o-mini');
      return row.json.api_keys.some((k: { status: string }) => k.status === 'invalid') ? row.json.api_keys : undefined;
    });
    expect(keys.map((k: { status: string }) => k.status).sort()).toEqual(['enabled', 'invalid']);
    for (const index of [1, 2, 0]) await openai(index).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `again ${index}` }] });
    const used = openaiUpstream.requests.map((r) => r.headers.authorization);
    expect(used.filter((h) => h === `Bearer ${KEY_BAD}`)).toHaveLength(1);
    expect(used.filter((h) => h === `Bearer ${KEY_GOOD}`)).toHaveLength(4);
  });

  it('waits out an upstream 429 for its Retry-After and then answers', async () => {
    openaiUpstream.enqueueScenarios('rate_limit');
    const started = Date.now();
    const { choices } = await openai(1).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'after the wait' }] });
    expect(choices[0].message.content).toContain('after the wait');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(openaiUpstream.requests.map((r) => r.scenario)).toEqual(['rate_limit', 'normal']);
  });

  it('ends a stream the upstream cuts mid-answer with an error for the client, and records it as an error', async () => {
    openaiUpstream.enqueueScenarios('cut_stream');
    const consume = async () => {
      const stream = await openai(2).chat.completions.create({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: 'one two three four five six' }], stream: true });
      for await (const _ of stream) void _;
    };
    await expect(consume()).rejects.toThrow();
    expect(openaiUpstream.requests[0].scenario).toBe('cut_stream');
    expect(await usageOf('gpt-4-turbo', (e) => e.status === 'error')).toMatchObject({ stream: true, errorKind: 'stream_cut' });
  });

  it('falls back to the configured model when the primary upstream is down', async () => {
    const { choices, model } = await openai(0).chat.completions.create({ model: 'down-primary', messages: [{ role: 'user', content: 'fall back please' }] });
    expect(model).toBe('down-primary');
    expect(choices[0].message.content).toContain('fall back please');
    expect(anthropicUpstream.requests).toHaveLength(1);
    expect(await usageOf('claude-sonnet-4', (e) => e.fallbackFrom === 'down-primary')).toMatchObject({ status: 'ok', provider: 'anthropic' });
  });

  it('holds one model rpm_limit across the three processes', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 9 }, (_, i) => openai(i % 3).chat.completions.create({ model: 'rpm-limited', messages: [{ role: 'user', content: `r${i}` }] })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as { status: number; headers: Headers });
    expect(refused.map((e) => e.status)).toEqual([429, 429, 429, 429, 429]);
    for (const error of refused) expect(Number(error.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(openaiUpstream.requests).toHaveLength(4);
  });

  it('never sends an environment variable to an LLM resource\'s own endpoint: the call is 403 no_key and the upstream sees nothing', async () => {
    const store = await createResourceStore({ pool, databaseUrl: database.url, cipher: new SecretCipher(Buffer.from(MASTER_KEY, 'base64')) });
    try {
      // Given an LLM resource naming a variable of the proxies' environment, its base URL a server of its writer's choosing
      await store.create(
        {
          apiVersion: 'mastra.ai/v1',
          kind: 'LLM',
          metadata: { name: 'e2e-llm', namespace: 'default' },
          spec: { provider: 'openai-compatible', model: 'house-model', apiKey: '${E2E_LLM_KEY}', options: { baseURL: openaiUpstream.baseUrl } },
        },
        { actor: 'user:e2e' },
      );
    } finally {
      await store.close();
    }
    openaiUpstream.reset();
    // When it is called as namespace.name
    const failure = await openai(1)
      .chat.completions.create({ model: 'default.e2e-llm', messages: [{ role: 'user', content: 'from a resource' }] })
      .then(() => undefined, (error: { status?: number; code?: string; message?: string }) => error);
    // Then it is refused naming the rule, and the variable's value never left the proxy
    expect(failure).toMatchObject({ status: 403, code: 'no_key', message: expect.stringContaining('takes keys from Secrets only') });
    expect(openaiUpstream.requests).toEqual([]);
  });

  it('follows a rotated Secret key on all three processes at once, and fails with "no usable API key" once the Secret is deleted', async () => {
    // In a deployment the gateway relays the event log to NATS, where the proxies see Secret events; here the test does.
    const nc = await connect({ servers: TEST_NATS_URL });
    const relay = await startEventRelay({ pool, nc, prefix, databaseUrl: database.url });
    const store = await createResourceStore({ pool, databaseUrl: database.url, cipher: new SecretCipher(Buffer.from(MASTER_KEY, 'base64')) });
    // A cluster-admin writes the LLM and its Secret: an LLM uses only Secrets its last writer may read.
    const actor = { actor: 'user:e2e', principal: { sub: 'e2e', groups: ['system:masters'] } };
    const keySecret = (value: string) => ({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'e2e-keys', namespace: 'default' }, stringData: { 'api-key': value } });
    const ask = (index: number, content: string) => openai(index).chat.completions.create({ model: 'default.secret-llm', messages: [{ role: 'user', content }] });
    /** Calls through proxy `index` until the upstream sees `key` (each process caches the model for a minute). */
    const reachesUpstreamWith = (index: number, key: string) =>
      eventually(async () => {
        openaiUpstream.reset();
        await ask(index, `proxy ${index}`);
        return openaiUpstream.requests[0]?.headers.authorization === `Bearer ${key}`;
      });
    try {
      // Given an LLM whose key is in a Secret, called (and so cached) through every process
      await store.create(keySecret(KEY_SECRET_A), actor);
      await store.create(
        {
          apiVersion: 'mastra.ai/v1',
          kind: 'LLM',
          metadata: { name: 'secret-llm', namespace: 'default' },
          spec: { provider: 'openai-compatible', model: 'rotating-model', secretRef: { name: 'e2e-keys', key: 'api-key' }, options: { baseURL: openaiUpstream.baseUrl } },
        },
        actor,
      );
      for (const index of [0, 1, 2]) await reachesUpstreamWith(index, KEY_SECRET_A);

      // When the Secret is applied with a new key
      await store.update(keySecret(KEY_SECRET_B), actor);
      // Then every process calls with the new key, and only with it from then on
      for (const index of [0, 1, 2]) await reachesUpstreamWith(index, KEY_SECRET_B);
      openaiUpstream.reset();
      for (const index of [2, 1, 0]) await ask(index, `after rotation ${index}`);
      expect(openaiUpstream.requests.map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${KEY_SECRET_B}`));

      // When the Secret is deleted
      await store.delete({ kind: 'Secret', namespace: 'default', name: 'e2e-keys' }, actor);
      // Then every call fails with the no-key error (403 no_key, naming the Secret) and nothing reaches the upstream with a stale key
      for (const index of [0, 1, 2]) {
        await eventually(async () => {
          const failure = await ask(index, 'no key left').then(() => undefined, (error: { status?: number; code?: string; message?: string }) => error);
          return failure?.status === 403 && failure.code === 'no_key' && failure.message?.includes('has no usable API key') && failure.message.includes('Secret "e2e-keys"');
        });
      }
      openaiUpstream.reset();
      for (const index of [0, 1, 2]) await expect(ask(index, 'still no key')).rejects.toMatchObject({ status: 403, code: 'no_key' });
      expect(openaiUpstream.requests).toEqual([]);
    } finally {
      await store.close();
      await relay.stop();
      await nc.close();
    }
  });

  it('never lets a key into a log line, an event, a registry row, a response or the metrics', async () => {
    // The mocks did see the keys: the check below looks for strings that really went through
    const metrics = await Promise.all(proxies.map(async (proxy) => (await fetch(`${proxy.url}/metrics`)).text()));
    for (const name of ['llm_requests_total', 'llm_request_duration_seconds', 'llm_tokens_total', 'llm_cost_total', 'llm_errors_total', 'llm_rate_limit_hits_total']) {
      expect(metrics.join('\n')).toContain(name);
    }
    // Stopped first: shutdown logs and the last usage flush are part of the run
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    const logs = proxies.map((proxy) => proxy.logs());
    expect(logs.join('\n').split('\n').length).toBeGreaterThan(20);
    const tables = ['kastra_events', 'llm_models', 'llm_model_keys', 'llm_providers'];
    const rows: string[] = [];
    for (const table of tables) {
      const { rows: found } = await pool.query(`SELECT t::text AS text FROM ${table} t`);
      rows.push(...found.map((row) => row.text));
    }
    // The keys are in the database (the resources' too: the refused env reference and the missing Secret key, as rows without a value), encrypted
    expect((await pool.query(`SELECT count(*)::int AS n FROM llm_model_keys`)).rows[0].n).toBe(10);
    const haystacks: Array<[string, string]> = [
      ...logs.map((text, i): [string, string] => [`log of proxy ${i}`, text]),
      ...rows.map((text): [string, string] => ['database row', text]),
      ...responses.map((text): [string, string] => ['response', text]),
      ...metrics.map((text, i): [string, string] => [`metrics of proxy ${i}`, text]),
    ];
    expect(responses.length).toBeGreaterThan(40);
    const leaks = haystacks.flatMap(([where, text]) => ALL_KEYS.filter((key) => text.includes(key)).map((key) => `${where} contains ${key.slice(0, 10)}…`));
    expect(leaks).toEqual([]);
  });
});
