import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Pool } from 'pg';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { metricsRegistry } from '@kastra/telemetry';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

const KEY_A = 'sk-test-primary-key-aaaaaaaaaaaaaaaa';
const KEY_B = 'sk-test-second-key-bbbbbbbbbbbbbbbbb';
const KEY_C = 'sk-test-fallback-key-cccccccccccccccc';
const ALL_KEYS = [KEY_A, KEY_B, KEY_C];

const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('llm-proxy call path against a mock OpenAI upstream', () => {
  let database: TestDatabase;
  let pool: Pool;
  let upstream: MockOpenAIServer;
  let backup: MockOpenAIServer;
  let proxy: TestProxy;
  let resolver: StaticModelResolver;
  const prefix = testNatsPrefix('llmcalls');
  const home = testHome();
  /** Every body the proxy sent back, for the key leak check. */
  const responses: string[] = [];

  const openai = () =>
    new OpenAI({ apiKey: home.token('user'), baseURL: `${proxy.url}/v1`, maxRetries: 0, fetch: recordingFetch });
  const anthropic = () => new Anthropic({ apiKey: home.token('user'), baseURL: proxy.url, maxRetries: 0, fetch: recordingFetch });

  async function recordingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const response = await fetch(input, init);
    const text = await response.clone().text().catch(() => '');
    responses.push(text, JSON.stringify([...response.headers.entries()]));
    return response;
  }

  /** A single-key model of its own, so one test's breaker state never leaks into another. */
  function freshModel(name: string): string {
    resolver.add({ name, provider: 'openai', modelId: 'unpriced-model-x', baseUrl: upstream.baseUrl, keys: [{ keyId: `key-${name}`, apiKey: KEY_B }] });
    return name;
  }

  async function usageEvents(): Promise<Array<Record<string, unknown>>> {
    await proxy.flushUsage();
    const { rows } = await pool.query(`SELECT data FROM kastra_events WHERE category = 'usage' ORDER BY global_position`);
    return rows.map((row) => row.data);
  }

  beforeAll(async () => {
    database = await createTestDatabase('llmcalls');
    pool = new Pool({ connectionString: database.url, max: 2 });
    upstream = await startMockOpenAIServer({ retryAfterSeconds: 1 });
    backup = await startMockOpenAIServer();
    resolver = new StaticModelResolver([
      { name: 'gpt-test', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-a', apiKey: KEY_A }, { keyId: 'key-b', apiKey: KEY_B }] },
      { name: 'gpt-fallback', provider: 'openai', modelId: 'gpt-4o', baseUrl: backup.baseUrl, keys: [{ keyId: 'key-c', apiKey: KEY_C }] },
      { name: 'gpt-flaky', provider: 'openai', modelId: 'flaky-model', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-a2', apiKey: KEY_A }], fallbacks: ['gpt-fallback'] },
      { name: 'gpt-single', provider: 'openai', modelId: 'unpriced-model-x', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-s', apiKey: KEY_B }] },
    ]);
    proxy = await startTestProxy({
      databaseUrl: database.url,
      prefix,
      home: home.home,
      resolver,
      settings: { upstreamTimeoutMs: 500, streamIdleTimeoutMs: 500, breakerFailureThreshold: 3, breakerCooldownMs: 60_000, maxAttemptsPerModel: 3 },
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
    await backup?.close();
    await pool?.end();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  beforeEach(() => {
    upstream.reset();
    backup.reset();
  });

  it('answers a chat completion through the OpenAI SDK with the overhead header and one usage event', async () => {
    // Given a model on the mock upstream
    // When the official OpenAI SDK calls the proxy
    const { data, response } = await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello proxy' }] }).withResponse();
    // Then the answer comes through, under the client's model name, with the proxy's overhead
    expect(data.choices[0].message.content).toContain('hello proxy');
    expect(data.model).toBe('gpt-test');
    expect(response.headers.get('x-kastra-proxy-overhead-ms')).toMatch(/^\d{1,3}\.\d{3}$/);
    // And the upstream got the provider's model id and a key from the pool
    expect((upstream.requests[0].body as { model: string }).model).toBe('gpt-4o-mini');
    expect([`Bearer ${KEY_A}`, `Bearer ${KEY_B}`]).toContain(upstream.requests[0].headers.authorization);
    // And one usage event records the call, with the key id and never the key
    const events = await usageEvents();
    const last = events[events.length - 1];
    expect(last).toMatchObject({ user: 'bob', model: 'gpt-test', provider: 'openai', status: 'ok', stream: false, priced: true });
    expect(['key-a', 'key-b']).toContain(last.keyId);
    expect(last.promptTokens).toBeGreaterThan(0);
    expect(last.costUsd).toBeGreaterThan(0);
  });

  it('streams through the OpenAI SDK with usage, and ends with [DONE]', async () => {
    const stream = await openai().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'stream me please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toContain('stream me please');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const last = (await usageEvents()).pop()!;
    expect(last).toMatchObject({ status: 'ok', stream: true });
    expect(last.completionTokens).toBe(usage?.completion_tokens);
  });

  it('passes tool calls through, whole and as streamed deltas', async () => {
    const { choices } = await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Paris' }], tools: [WEATHER_TOOL] });
    expect(choices[0].finish_reason).toBe('tool_calls');
    expect(choices[0].message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse((choices[0].message.tool_calls![0] as { function: { arguments: string } }).function.arguments)).toEqual({ city: 'Paris' });

    const stream = await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Rome' }], tools: [WEATHER_TOOL], stream: true });
    let name = '';
    let args = '';
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Rome' });
  });

  it('speaks the Anthropic Messages API to the Anthropic SDK, plain, streamed and with tools', async () => {
    const message = await anthropic().messages.create({ model: 'gpt-test', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hi claude' }] });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect((message.content[0] as { text: string }).text).toContain('hi claude');
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);

    const stream = anthropic().messages.stream({ model: 'gpt-test', max_tokens: 100, messages: [{ role: 'user', content: 'stream claude' }] });
    const final = await stream.finalMessage();
    expect((final.content[0] as { text: string }).text).toContain('stream claude');
    expect(final.usage.output_tokens).toBeGreaterThan(0);

    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }];
    const toolStream = anthropic().messages.stream({ model: 'gpt-test', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Oslo' }] });
    const toolMessage = await toolStream.finalMessage();
    expect(toolMessage.stop_reason).toBe('tool_use');
    expect(toolMessage.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Oslo' } });
  });

  it('rejects calls without a valid token in each API shape', async () => {
    const openAiAnswer = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(openAiAnswer.status).toBe(401);
    expect(((await openAiAnswer.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    const anthropicAnswer = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'not-a-jwt' }, body: '{}' });
    expect(anthropicAnswer.status).toBe(401);
    expect(await anthropicAnswer.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('names the bad field of an invalid body and an unknown model', async () => {
    await expect(openai().chat.completions.create({ model: 'gpt-test', messages: [] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('messages') });
    await expect(openai().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404 });
    expect(upstream.requests).toHaveLength(0);
  });

  it('waits out a 429 Retry-After on the only usable key, then succeeds', async () => {
    // Given the single-key model's upstream throttles once with Retry-After: 1
    upstream.enqueueScenarios('rate_limit');
    const started = Date.now();
    // When a client calls
    const { choices } = await openai().chat.completions.create({ model: 'gpt-single', messages: [{ role: 'user', content: 'after the wait' }] });
    // Then the proxy retried after the upstream's delay, not before
    expect(choices[0].message.content).toContain('after the wait');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(upstream.requests.map((r) => r.scenario)).toEqual(['rate_limit', 'normal']);
  });

  it('marks a key the upstream rejects (401) invalid and answers with the next key', async () => {
    upstream.enqueueScenarios('unauthorized');
    const { choices } = await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'second key' }] });
    expect(choices[0].message.content).toContain('second key');
    const [rejected, accepted] = upstream.requests.map((r) => r.headers.authorization);
    expect(rejected).not.toBe(accepted);
    const pool = resolver.pool('gpt-test');
    expect(pool.invalid.size).toBe(1);
    expect([...pool.invalid.values()][0]).toContain('401');
    pool.invalid.clear();
  });

  it('opens the breaker after repeated 500s and falls back to the next model', async () => {
    // Given the flaky model's upstream fails every time
    upstream.scenario = 'server_error';
    // When a client calls it
    const { choices, model } = await openai().chat.completions.create({ model: 'gpt-flaky', messages: [{ role: 'user', content: 'fall back' }] });
    // Then the fallback model answered after the retries
    expect(choices[0].message.content).toContain('fall back');
    expect(model).toBe('gpt-flaky');
    expect(upstream.requests).toHaveLength(3);
    expect(backup.requests).toHaveLength(1);
    expect((await usageEvents()).pop()).toMatchObject({ model: 'gpt-fallback', fallbackFrom: 'gpt-flaky', status: 'ok', keyId: 'key-c' });
    // And the key's circuit is open: the next call does not even try the flaky upstream
    await openai().chat.completions.create({ model: 'gpt-flaky', messages: [{ role: 'user', content: 'again' }] });
    expect(upstream.requests).toHaveLength(3);
    expect(await metricsRegistry.getSingleMetricAsString('llm_circuit_breaker_state')).toMatch(/llm_circuit_breaker_state\{[^}]*key_id="key-a2"[^}]*\} 2/);
  });

  it('times out a stalled upstream with 504', async () => {
    upstream.scenario = 'stall';
    const started = Date.now();
    await expect(openai().chat.completions.create({ model: freshModel('gpt-stall'), messages: [{ role: 'user', content: 'stall' }] })).rejects.toMatchObject({ status: 504 });
    // Three attempts, each cut at the 500 ms deadline
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(upstream.requests.map((r) => r.scenario)).toEqual(['stall', 'stall', 'stall']);
    expect((await usageEvents()).pop()).toMatchObject({ status: 'error', errorKind: 'timeout' });
  }, 20_000);

  it.each(['cut_stream', 'missing_done', 'malformed_chunk'] as const)('ends a %s upstream stream with an error for the client, never a clean finish', async (scenario) => {
    upstream.scenario = scenario;
    const stream = await openai().chat.completions.create({ model: freshModel(`gpt-${scenario}`), messages: [{ role: 'user', content: 'one two three four five six seven' }], stream: true }).catch((error) => error);
    const consume = async () => {
      if (stream instanceof Error) throw stream;
      for await (const _ of stream) void _;
    };
    await expect(consume()).rejects.toThrow();
    expect(upstream.requests.length).toBeGreaterThanOrEqual(1);
    expect(upstream.requests[0].scenario).toBe(scenario);
    const last = (await usageEvents()).pop()!;
    expect(last).toMatchObject({ status: 'error', stream: true, model: `gpt-${scenario}` });
  });

  it('cancels the upstream call when the client goes away, and still records the usage', async () => {
    upstream.scenario = { delay: 5000 };
    const aborted = upstream.waitForClientAbort();
    const controller = new AbortController();
    const call = openai().chat.completions.create({ model: freshModel('gpt-cancel'), messages: [{ role: 'user', content: 'never mind' }], stream: true }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(call).rejects.toThrow();
    const seen = await aborted;
    expect(seen.clientAborted).toBe(true);
    let events = await usageEvents();
    for (let i = 0; i < 20 && events[events.length - 1]?.status !== 'cancelled'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = await usageEvents();
    }
    const last = events.pop()!;
    expect(last).toMatchObject({ status: 'cancelled', model: 'gpt-cancel', stream: true });
    // The prompt was sent upstream: it is billed even though no answer came back
    expect(last.promptTokens).toBeGreaterThan(0);
  });

  it('aborts the upstream when the client hangs up mid-stream, and bills the completion tokens already streamed', async () => {
    // Given an upstream that streams a long answer slowly, one frame every 150 ms
    const fullText = 'lorem ipsum dolor sit amet '.repeat(8).trim();
    const slow = await startMockOpenAIServer({ streamChunkDelayMs: 150, reply: () => ({ text: fullText, toolCalls: [] }) });
    try {
      resolver.add({ name: 'gpt-slow-stream', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: slow.baseUrl, keys: [{ keyId: 'key-slow', apiKey: KEY_A }] });
      const aborted = slow.waitForClientAbort();
      // When the client reads two pieces of text and leaves (a plain client: the recording fetch reads whole bodies first)
      const plain = new OpenAI({ apiKey: home.token('user'), baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      const stream = await plain.chat.completions.create({ model: 'gpt-slow-stream', messages: [{ role: 'user', content: 'tell me a long story' }], stream: true });
      let received = '';
      let pieces = 0;
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ?? '';
        if (chunk.choices[0]?.delta.content && ++pieces === 2) break;
      }
      expect(received.length).toBeGreaterThan(0);
      // Then the proxy hangs up on the upstream before it finished
      const seen = await aborted;
      expect(seen.clientAborted).toBe(true);
      // And the call is recorded as cancelled, billing the prompt and the text that was streamed
      const last = await (async () => {
        for (let i = 0; i < 50; i++) {
          const found = (await usageEvents()).reverse().find((e) => e.model === 'gpt-slow-stream');
          if (found) return found;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('no usage event for gpt-slow-stream');
      })();
      expect(last).toMatchObject({ status: 'cancelled', stream: true, keyId: 'key-slow', priced: true });
      expect(last.promptTokens).toBeGreaterThan(0);
      expect(last.completionTokens).toBeGreaterThanOrEqual(Math.ceil(received.length / 4));
      // ...and not the whole answer: the stream really stopped early
      expect(last.completionTokens).toBeLessThan(Math.ceil(fullText.length / 4));
      expect(last.latencyMs).toBeLessThan(1000);
      expect(last.costUsd).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  it('exposes the LLM metrics labelled by provider, model and status', async () => {
    const text = await metricsRegistry.metrics();
    for (const name of ['llm_requests_total', 'llm_request_duration_seconds', 'llm_active_requests', 'llm_tokens_total', 'llm_cost_total', 'llm_errors_total', 'llm_circuit_breaker_state']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/llm_requests_total\{[^}]*provider="openai"[^}]*model="gpt-test"[^}]*status="ok"/);
  });

  it('never lets a key into a response, an event or a metric', async () => {
    const { rows } = await pool.query(`SELECT data::text || metadata::text AS text FROM kastra_events`);
    const haystacks = [...responses, ...rows.map((r) => r.text), await metricsRegistry.metrics()];
    expect(haystacks.length).toBeGreaterThan(10);
    for (const key of ALL_KEYS) for (const text of haystacks) expect(text).not.toContain(key);
  });
});
