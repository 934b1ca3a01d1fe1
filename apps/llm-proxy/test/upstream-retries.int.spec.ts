import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { metricsRegistry } from '@kastra/telemetry';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy';
import { testHome } from './test-proxy';
import { startTimedMockOpenAIServer, type TimedMockOpenAIServer } from './timed-mock-openai-server';

/** Assembled at runtime so that no literal in the repository looks like a provider key. */
const KEY_ONE = ['sk', 'test', 'retries-one', 'a'.repeat(8)].join('-');
const KEY_TWO = ['sk', 'test', 'retries-two', 'b'.repeat(8)].join('-');
const MAX_RETRY_AFTER_MS = 1500;
const BREAKER_FAILURES = 3;
const BREAKER_COOLDOWN_MS = 2000;
/** Timers may fire a millisecond early; the proxy's clock and the mock's are the same here. */
const TIMER_SLACK_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Retries, key rotation and the circuit breaker in the real call path: HTTP to an llm-proxy whose
 * models and key pools come from its registry (created through the admin API), its settings from
 * the environment (KASTRA_LLM_*), calling a mock OpenAI upstream that records which key each
 * request carried and when it arrived.
 */
describe('llm-proxy upstream retries, key rotation and circuit breaker (Postgres, Redis, NATS)', () => {
  let database: TestDatabase;
  let upstream: TimedMockOpenAIServer;
  let proxy: RegistryProxy;
  const prefix = testNatsPrefix('llmretry');
  const home = testHome();

  async function createModel(name: string, keys: string[], mode: 'single' | 'round-robin'): Promise<{ keyIds: string[] }> {
    const response = await fetch(`${proxy.url}/api/v1/llm-models`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${home.token('admin')}` },
      body: JSON.stringify({
        name,
        model_id: name,
        provider: 'openai',
        type: 'chat',
        base_url: upstream.baseUrl,
        auth_type: 'api_key',
        key_usage_mode: mode,
        api_keys: keys.map((key) => ({ key, status: 'enabled' })),
      }),
    });
    const body = (await response.json()) as { api_keys: Array<{ id: string }> };
    expect(response.status).toBe(201);
    return { keyIds: body.api_keys.map((key) => key.id) };
  }

  async function chat(model: string, content = 'hello'): Promise<{ status: number; headers: Headers; json: { error?: { type?: string; code?: string } }; ms: number }> {
    const started = performance.now();
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${home.token('user')}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    const json = (await response.json()) as { error?: { type?: string; code?: string } };
    return { status: response.status, headers: response.headers, json, ms: performance.now() - started };
  }

  /** Milliseconds between the arrivals of two upstream requests (by index). */
  const gapBetween = (earlier: number, later: number) => upstream.arrivalOf(upstream.requests[later]) - upstream.arrivalOf(upstream.requests[earlier]);

  async function breakerState(keyId: string): Promise<number> {
    const text = await metricsRegistry.getSingleMetricAsString('llm_circuit_breaker_state');
    const line = text.split('\n').find((l) => l.startsWith('llm_circuit_breaker_state{') && l.includes(`key_id="${keyId}"`));
    if (!line) throw new Error(`no llm_circuit_breaker_state for key ${keyId}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  beforeAll(async () => {
    database = await createTestDatabase('llmretry');
    upstream = await startTimedMockOpenAIServer();
    proxy = await startRegistryProxy({
      databaseUrl: database.url,
      prefix,
      home: home.home,
      env: {
        KASTRA_LLM_MAX_RETRY_AFTER_MS: String(MAX_RETRY_AFTER_MS),
        KASTRA_LLM_MAX_ATTEMPTS: '3',
        KASTRA_LLM_RETRY_BASE_MS: '20',
        KASTRA_LLM_RETRY_MAX_MS: '100',
        KASTRA_LLM_BREAKER_FAILURES: String(BREAKER_FAILURES),
        KASTRA_LLM_BREAKER_COOLDOWN_MS: String(BREAKER_COOLDOWN_MS),
        KASTRA_LLM_TIMEOUT_MS: '10000',
      },
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  beforeEach(() => upstream.reset());

  it.each(['single', 'round-robin'] as const)(
    'given a %s pool of two keys, a 429 on one key moves the call to the other key at once, and calls skip the throttled key until its Retry-After is over',
    async (mode) => {
      // Given a model with two keys whose upstream throttles the first request with Retry-After: 1
      await createModel(`rotate-${mode}`, [KEY_ONE, KEY_TWO], mode);
      upstream.rateLimitRetryAfterSeconds = 1;
      upstream.enqueueScenarios('rate_limit');
      // When a client calls
      const first = await chat(`rotate-${mode}`);
      // Then the other key of the pool answers it, without waiting out the Retry-After
      expect(first.status).toBe(200);
      expect(upstream.requests.map((r) => r.scenario)).toEqual(['rate_limit', 'normal']);
      const [throttled, other] = upstream.keysSeen();
      expect([throttled, other].sort()).toEqual([KEY_ONE, KEY_TWO].sort());
      // ('single' always starts with the first key of the pool)
      if (mode === 'single') expect(throttled).toBe(KEY_ONE);
      expect(gapBetween(0, 1)).toBeLessThan(500);
      // And while the throttled key cools down, every call goes to the other key
      const throttledAt = upstream.arrivalOf(upstream.requests[0]);
      for (let i = 0; i < 3; i++) expect((await chat(`rotate-${mode}`, `during ${i}`)).status).toBe(200);
      const duringCoolDown = upstream.requests.slice(2).filter((r) => upstream.arrivalOf(r) < throttledAt + 1000);
      expect(duringCoolDown.length).toBeGreaterThanOrEqual(1);
      for (const request of duringCoolDown) expect(request.headers.authorization).toBe(`Bearer ${other}`);
      // And once the Retry-After is over, the throttled key serves again
      await sleep(throttledAt + 1000 + 100 - performance.now());
      const seenBefore = upstream.requests.length;
      for (let i = 0; i < 2; i++) expect((await chat(`rotate-${mode}`, `after ${i}`)).status).toBe(200);
      const after = upstream.keysSeen().slice(seenBefore);
      expect(after).toContain(throttled);
      if (mode === 'single') expect(after).toEqual([KEY_ONE, KEY_ONE]);
    },
  );

  it.each([
    ['one key', [KEY_ONE], ['rate_limit', 'normal']],
    ['two keys', [KEY_ONE, KEY_TWO], ['rate_limit', 'rate_limit', 'normal']],
  ] as const)('given %s, a 429 Retry-After within KASTRA_LLM_MAX_RETRY_AFTER_MS is waited out, once, then the call succeeds', async (label, keys, scenarios) => {
    // Given every key of the model throttled once with Retry-After: 1 (under the 1.5 s cap)
    const model = `wait-${label.replace(' ', '-')}`;
    await createModel(model, [...keys], 'round-robin');
    upstream.rateLimitRetryAfterSeconds = 1;
    upstream.enqueueScenarios(...scenarios.slice(0, -1));
    // When a client calls
    const answer = await chat(model);
    // Then the proxy retried once the Retry-After was over — not before, and not twice as late
    expect(answer.status).toBe(200);
    expect(upstream.requests.map((r) => r.scenario)).toEqual([...scenarios]);
    const last = upstream.requests.length - 1;
    expect(gapBetween(last - 1, last)).toBeGreaterThanOrEqual(1000 - TIMER_SLACK_MS);
    expect(gapBetween(last - 1, last)).toBeLessThan(1000 + 600);
  });

  it.each([
    ['one key', [KEY_ONE], 1],
    ['two keys', [KEY_ONE, KEY_TWO], 2],
  ] as const)('given %s, a 429 Retry-After over KASTRA_LLM_MAX_RETRY_AFTER_MS is not waited for: the 429 reaches the client within the cap', async (label, keys, upstreamCalls) => {
    // Given every key of the model throttled with Retry-After: 30 (the cap is 1.5 s)
    const model = `cap-${label.replace(' ', '-')}`;
    await createModel(model, [...keys], 'round-robin');
    upstream.rateLimitRetryAfterSeconds = 30;
    upstream.enqueueScenarios(...keys.map(() => 'rate_limit' as const));
    // When a client calls
    const answer = await chat(model);
    // Then it gets the upstream's 429 and its Retry-After well within the cap, each key tried once
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('30');
    expect(answer.ms).toBeLessThan(MAX_RETRY_AFTER_MS);
    expect(upstream.requests).toHaveLength(upstreamCalls);
    expect(new Set(upstream.keysSeen())).toEqual(new Set(keys));
  });

  it.each([
    ['one key', [KEY_ONE]],
    ['two keys', [KEY_ONE, KEY_TWO]],
  ] as const)('given %s, a 503 with Retry-After is retried once that delay is over, not sooner', async (label, keys) => {
    // Given an upstream that answers 503 Retry-After: 1 once (overloaded: the server, not a key)
    const model = `unavailable-${label.replace(' ', '-')}`;
    await createModel(model, [...keys], 'round-robin');
    upstream.serverErrorRetryAfterSeconds = 1;
    upstream.enqueueScenarios('server_error');
    // When a client calls
    const answer = await chat(model);
    // Then the second attempt came after the Retry-After, and answered
    expect(answer.status).toBe(200);
    expect(upstream.requests.map((r) => r.scenario)).toEqual(['server_error', 'normal']);
    expect(gapBetween(0, 1)).toBeGreaterThanOrEqual(1000 - TIMER_SLACK_MS);
    expect(gapBetween(0, 1)).toBeLessThan(1000 + 600);
  });

  it.each([
    ['one key', [KEY_ONE]],
    ['two keys', [KEY_ONE, KEY_TWO]],
  ] as const)('given %s, a 503 whose Retry-After is over the cap fails the call at once, without another attempt', async (label, keys) => {
    // Given an upstream that answers 503 Retry-After: 30
    const model = `down-${label.replace(' ', '-')}`;
    await createModel(model, [...keys], 'round-robin');
    upstream.serverErrorRetryAfterSeconds = 30;
    upstream.enqueueScenarios('server_error');
    // When a client calls
    const answer = await chat(model);
    // Then the client hears of the outage within the cap, and the upstream was not asked again
    expect(answer.status).toBe(502);
    expect(answer.json.error?.code).toBe('server');
    expect(answer.ms).toBeLessThan(MAX_RETRY_AFTER_MS);
    expect(upstream.requests).toHaveLength(1);
  });

  it('opens the circuit after N upstream failures, lets exactly one probe through after the cool-down, and closes on its success', async () => {
    // Given a one-key model whose upstream fails every request (500, no Retry-After)
    const { keyIds } = await createModel('breaker', [KEY_ONE], 'single');
    upstream.scenario = 'server_error';
    // When a client calls: three attempts, three failures (the breaker's N)
    const failed = await chat('breaker', 'fail');
    expect(failed.status).toBe(502);
    expect(upstream.requests).toHaveLength(BREAKER_FAILURES);
    const openedAt = performance.now();
    // Then the circuit is open: the next calls are refused without reaching the upstream
    for (let i = 0; i < 2; i++) {
      const refused = await chat('breaker', `refused ${i}`);
      expect(refused.status).toBe(503);
      expect(refused.json.error?.code).toBe('circuit_open');
    }
    expect(performance.now() - openedAt).toBeLessThan(BREAKER_COOLDOWN_MS);
    expect(upstream.requests).toHaveLength(BREAKER_FAILURES);
    expect(await breakerState(keyIds[0])).toBe(2);

    // Given the upstream has recovered (slow: each answer takes 1 s) and the cool-down is over
    upstream.scenario = { delay: 1000 };
    await sleep(openedAt + BREAKER_COOLDOWN_MS + 100 - performance.now());
    // When three clients call at once
    const probing = await Promise.all([0, 1, 2].map((i) => chat('breaker', `probe ${i}`)));
    // Then exactly one call went upstream (the half-open probe) and was answered; the others were refused meanwhile
    expect(probing.map((c) => c.status).sort()).toEqual([200, 503, 503]);
    expect(upstream.requests).toHaveLength(BREAKER_FAILURES + 1);
    // And the probe's success closed the circuit: calls pass again, all of them
    expect(await breakerState(keyIds[0])).toBe(0);
    const closed = await Promise.all([0, 1, 2].map((i) => chat('breaker', `closed ${i}`)));
    expect(closed.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(upstream.requests).toHaveLength(BREAKER_FAILURES + 4);
  });

  it('re-opens the circuit at once when the half-open probe fails', async () => {
    // Given an open circuit (three failures) on an upstream that is still down
    const { keyIds } = await createModel('breaker-still-down', [KEY_ONE], 'single');
    upstream.scenario = 'server_error';
    expect((await chat('breaker-still-down')).status).toBe(502);
    const openedAt = performance.now();
    expect(upstream.requests).toHaveLength(BREAKER_FAILURES);
    // When the cool-down is over and a client calls
    await sleep(openedAt + BREAKER_COOLDOWN_MS + 100 - performance.now());
    const probe = await chat('breaker-still-down');
    // Then one probe went upstream, failed, and the circuit is open again: the call ends refused by it, and so does the next one
    expect(probe.status).toBe(503);
    expect(probe.json.error?.code).toBe('circuit_open');
    expect(upstream.requests).toHaveLength(BREAKER_FAILURES + 1);
    expect(await breakerState(keyIds[0])).toBe(2);
    const refused = await chat('breaker-still-down');
    expect(refused.status).toBe(503);
    expect(refused.json.error?.code).toBe('circuit_open');
    expect(upstream.requests).toHaveLength(BREAKER_FAILURES + 1);
  });
});
