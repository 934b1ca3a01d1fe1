import OpenAI from 'openai';
import { Pool } from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTestDatabase, deleteTestStreams, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { metricsRegistry } from '@kastra/telemetry';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { llmChatSubject, llmModelsSubject } from '../src/nats/llm-nats-responder';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

const KEY = 'sk-test-limits-key-zzzzzzzzzzzzzzzzzz';

describe('llm-proxy limits across replicas, usage report and NATS subjects', () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let resolver: StaticModelResolver;
  let replicas: TestProxy[] = [];
  let nc: NatsConnection;
  const prefix = testNatsPrefix('llmlimits');
  const home = testHome();

  const client = (replica: TestProxy, sub = 'bob') => new OpenAI({ apiKey: home.token('user', sub), baseURL: `${replica.url}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    database = await createTestDatabase('llmlimits');
    upstream = await startMockOpenAIServer();
    resolver = new StaticModelResolver([
      { name: 'rpm-model', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'k1', apiKey: KEY }], limits: { rpm: 5 } },
      // Each call reserves its prompt estimate + max_tokens 300: three fit in 1000 tokens, a fourth does not.
      { name: 'tpm-model', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'k2', apiKey: KEY }], limits: { tpm: 1000 } },
      { name: 'usage-model', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'k3', apiKey: KEY }] },
      { name: 'unpriced-model', provider: 'openai', modelId: 'no-such-price-model', baseUrl: upstream.baseUrl, keys: [{ keyId: 'k4', apiKey: KEY }] },
    ]);
    // Three replicas of the call path on one database, one NATS prefix and one Redis
    for (let i = 0; i < 3; i++) {
      replicas.push(await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver }));
    }
    nc = await connect({ servers: TEST_NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    for (const replica of replicas) await replica.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  it('holds one RPM limit across three replicas', async () => {
    // When 12 requests are spread over the three replicas
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => client(replicas[i % 3]).chat.completions.create({ model: 'rpm-model', messages: [{ role: 'user', content: `r${i}` }] })),
    );
    // Then exactly the limit got through; the rest were told when to come back
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { status: number; headers: Headers });
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const error of refused) {
      expect(error.status).toBe(429);
      expect(Number(error.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(upstream.requests.filter((r) => /^r\d+$/.test(JSON.stringify((r.body as { messages: Array<{ content: string }> }).messages[0].content).replace(/"/g, '')))).toHaveLength(5);
    expect(await metricsRegistry.getSingleMetricAsString('llm_rate_limit_hits_total')).toMatch(/model="rpm-model",scope="model"[^}]*\} 7/);
  });

  it('never lets concurrent token reservations overshoot a TPM budget', async () => {
    upstream.scenario = { delay: 300 };
    // When ten requests reserve tokens at the same time on three replicas
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        client(replicas[i % 3]).chat.completions.create({ model: 'tpm-model', max_tokens: 300, messages: [{ role: 'user', content: `budget ${i}` }] }),
      ),
    );
    upstream.scenario = 'normal';
    // Then only as many as fit the budget were let through, all others refused before any upstream call
    const accepted = results.filter((r) => r.status === 'fulfilled');
    expect(accepted).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected' && (r.reason as { status: number }).status === 429)).toHaveLength(7);
  });

  it('aggregates usage per user, model and day: admins see everyone, users themselves', async () => {
    // Given calls by two users, one of them of an unpriced model
    await client(replicas[0], 'carol').chat.completions.create({ model: 'usage-model', messages: [{ role: 'user', content: 'one two three' }] });
    await client(replicas[1], 'carol').chat.completions.create({ model: 'usage-model', messages: [{ role: 'user', content: 'four five' }] });
    await client(replicas[2], 'dave').chat.completions.create({ model: 'unpriced-model', messages: [{ role: 'user', content: 'six' }] });
    for (const replica of replicas) await replica.flushUsage();
    const today = new Date().toISOString().slice(0, 10);
    const get = async (token: string, query = '') => {
      const response = await fetch(`${replicas[0].url}/api/v1/llm/usage${query}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as { usage: Array<Record<string, unknown>> } };
    };
    // When carol asks, she sees only her own calls
    const own = await get(home.token('user', 'carol'));
    expect(own.status).toBe(200);
    expect(own.body.usage).toEqual([
      expect.objectContaining({ day: today, user: 'carol', model: 'usage-model', requests: 2, errors: 0, unpricedRequests: 0, costUsd: expect.any(Number) }),
    ]);
    expect((own.body.usage[0].promptTokens as number) > 0).toBe(true);
    // And she may not read dave's
    expect((await get(home.token('user', 'carol'), '?user=dave')).status).toBe(403);
    // When an admin asks for dave, the unpriced model is reported unpriced, not $0
    const dave = await get(home.token('admin'), `?user=dave&from=${today}&to=${today}`);
    expect(dave.body.usage).toEqual([expect.objectContaining({ user: 'dave', model: 'unpriced-model', requests: 1, costUsd: null, unpricedRequests: 1 })]);
    // And bad dates are refused
    expect((await get(home.token('admin'), '?from=yesterday')).status).toBe(400);
  });

  it('records a refusal by the user limit and by the model limit the same way: status rate_limited, no tokens, counted as a hit', async () => {
    // Given a replica with a user limit of 2 requests a minute, and a model limited to 1
    const limited = await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver, settings: { userRpm: 2 } });
    resolver.add({ name: 'one-rpm-model', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'k5', apiKey: KEY }], limits: { rpm: 1 } });
    const pool = new Pool({ connectionString: database.url, max: 1 });
    try {
      const hitsBefore = await metricsRegistry.getSingleMetricAsString('llm_rate_limit_hits_total');
      // When frank makes a third call within the minute, and grace a second call of the one-RPM model
      for (let i = 0; i < 2; i++) await client(limited, 'frank').chat.completions.create({ model: 'usage-model', messages: [{ role: 'user', content: `f${i}` }] });
      await expect(client(limited, 'frank').chat.completions.create({ model: 'usage-model', messages: [{ role: 'user', content: 'f2' }] })).rejects.toMatchObject({ status: 429 });
      await client(replicas[0], 'grace').chat.completions.create({ model: 'one-rpm-model', messages: [{ role: 'user', content: 'g0' }] });
      await expect(client(replicas[1], 'grace').chat.completions.create({ model: 'one-rpm-model', messages: [{ role: 'user', content: 'g1' }] })).rejects.toMatchObject({ status: 429 });
      for (const replica of [...replicas, limited]) await replica.flushUsage();
      // Then both refusals are one usage event each, alike but for the limit named
      const { rows } = await pool.query(`SELECT data FROM kastra_events WHERE category = 'usage' AND data->>'status' = 'rate_limited' AND data->>'user' IN ('frank', 'grace') ORDER BY global_position`);
      const refusal = { status: 'rate_limited', promptTokens: 0, completionTokens: 0, cachedTokens: 0, keyId: null, costUsd: null, stream: false };
      // (replicas flush their batches independently: order by user, not by position)
      expect(rows.map((r) => r.data).sort((a, b) => a.user.localeCompare(b.user))).toEqual([
        expect.objectContaining({ ...refusal, user: 'frank', model: 'usage-model', errorKind: 'user_rpm' }),
        expect.objectContaining({ ...refusal, user: 'grace', model: 'one-rpm-model', errorKind: 'model_rpm' }),
      ]);
      // And both are rate-limit hits, requests with status rate_limited, and not errors
      const hits = await metricsRegistry.getSingleMetricAsString('llm_rate_limit_hits_total');
      expect(hits).not.toBe(hitsBefore);
      expect(hits).toMatch(/model="usage-model",scope="user"[^}]*\} 1/);
      expect(hits).toMatch(/model="one-rpm-model",scope="model"[^}]*\} 1/);
      const requests = await metricsRegistry.getSingleMetricAsString('llm_requests_total');
      expect(requests).toMatch(/model="usage-model",status="rate_limited"[^}]*\} 1/);
      expect(requests).toMatch(/model="one-rpm-model",status="rate_limited"[^}]*\} 1/);
      expect(await metricsRegistry.getSingleMetricAsString('llm_errors_total')).not.toContain('rate_limited');
      // And the usage report counts them apart: not errors, not unpriced
      const response = await fetch(`${replicas[0].url}/api/v1/llm/usage?user=frank`, { headers: { authorization: `Bearer ${home.token('admin')}` } });
      const report = (await response.json()) as { usage: Array<Record<string, unknown>> };
      expect(report.usage).toEqual([expect.objectContaining({ user: 'frank', model: 'usage-model', requests: 3, errors: 0, rateLimited: 1, unpricedRequests: 0 })]);
    } finally {
      await pool.end();
      await limited.close();
    }
  });

  it("sends a run's idempotency key upstream and keeps its run uid on the usage event", async () => {
    // Given a call over NATS naming its key and its run
    const body = { request: { model: 'usage-model', messages: [{ role: 'user', content: 'for a run' }] }, user: 'hedda', idempotencyKey: 'run-uid-7:router:1:1', runUid: 'run-uid-7' };
    const reply = (await nc.request(llmChatSubject(prefix), JSON.stringify(body), { timeout: 5000 })).json<{ ok: boolean }>();
    expect(reply.ok).toBe(true);
    // Then the upstream was sent the key
    const sent = upstream.requests.filter((request) => JSON.stringify(request.body).includes('for a run'));
    expect(sent.map((request) => request.headers['idempotency-key'])).toEqual(['run-uid-7:router:1:1']);
    // And the call's usage event names the run
    for (const replica of replicas) await replica.flushUsage();
    const pool = database.pool();
    const { rows } = await pool.query(`SELECT data FROM kastra_events WHERE category = 'usage' AND data->>'user' = 'hedda'`);
    expect(rows.map((row: { data: Record<string, unknown> }) => row.data)).toEqual([expect.objectContaining({ runUid: 'run-uid-7', status: 'ok', model: 'usage-model' })]);
  });

  it('answers chat and model requests on the NATS subjects', async () => {
    const reply = await nc.request(llmChatSubject(prefix), JSON.stringify({ request: { model: 'usage-model', messages: [{ role: 'user', content: 'over nats' }] }, user: 'erin' }), { timeout: 5000 });
    const answer = reply.json<{ ok: boolean; completion: { choices: Array<{ message: { content: string } }> } }>();
    expect(answer.ok).toBe(true);
    expect(answer.completion.choices[0].message.content).toContain('over nats');

    const bad = (await nc.request(llmChatSubject(prefix), JSON.stringify({ request: { model: 'missing', messages: [{ role: 'user', content: 'x' }] }, user: 'erin' }), { timeout: 5000 })).json<{ ok: boolean; error: { status: number; type: string } }>();
    expect(bad).toEqual({ ok: false, error: expect.objectContaining({ status: 404, type: 'model_not_found' }) });
    const noUser = (await nc.request(llmChatSubject(prefix), JSON.stringify({ request: { model: 'usage-model', messages: [] } }), { timeout: 5000 })).json<{ ok: boolean; error: { status: number } }>();
    expect(noUser).toMatchObject({ ok: false, error: { status: 400 } });

    const badKey = (await nc.request(llmChatSubject(prefix), JSON.stringify({ request: { model: 'usage-model', messages: [] }, user: 'erin', idempotencyKey: 'has space' }), { timeout: 5000 })).json<{ ok: boolean; error: { status: number } }>();
    expect(badKey).toMatchObject({ ok: false, error: { status: 400 } });

    const models = (await nc.request(llmModelsSubject(prefix), '', { timeout: 5000 })).json<{ ok: boolean; models: Array<{ id: string }> }>();
    expect(models.ok).toBe(true);
    expect(models.models.map((m) => m.id)).toContain('usage-model');
  });
});
