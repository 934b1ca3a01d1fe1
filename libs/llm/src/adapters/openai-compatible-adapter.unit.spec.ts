import type { ChatRequest } from '../chat-types';
import { createProviderAdapter } from '../providers';
import { collectChunks, type MockOpenAIServer, providerFailure, startMockOpenAIServer } from '../testing';

const KEY = 'sk-test-openai-0123456789abcdef';
const weather: ChatRequest['tools'] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
];

const collect = collectChunks;
const failure = providerFailure;

describe.each(['sdk', 'fetch'] as const)('OpenAI-compatible adapter (%s transport) against the OpenAI-format mock', (transport) => {
  let server: MockOpenAIServer;
  const adapter = createProviderAdapter('openai', { transport });
  const call = () => ({ apiKey: KEY, baseUrl: server.baseUrl, signal: new AbortController().signal });

  beforeAll(async () => {
    server = await startMockOpenAIServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('answers a plain chat and reports usage, sending the key as a bearer token', async () => {
    // Given a user message
    const request: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] };
    // When the adapter calls the upstream
    const { completion, usage } = await adapter.chat(request, call());
    // Then the answer, the usage and the auth header are OpenAI's
    expect(completion.choices[0].message.content).toBe('Mock answer from gpt-4o: hello there');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(usage.prompt_tokens).toBe(2);
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect((server.requests[0].body as ChatRequest).stream).toBe(false);
  });

  it('returns tool calls, then answers once the tool result is in the conversation', async () => {
    // Given tools
    const first = await adapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Paris' }], tools: weather }, call());
    const toolCall = first.completion.choices[0].message.tool_calls![0];
    expect(first.completion.choices[0].finish_reason).toBe('tool_calls');
    expect(toolCall.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    // When the tool result comes back
    const second = await adapter.chat(
      {
        model: 'gpt-4o',
        tools: weather,
        messages: [
          { role: 'user', content: 'Paris' },
          { role: 'assistant', content: null, tool_calls: [toolCall] },
          { role: 'tool', tool_call_id: toolCall.id, content: 'sunny' },
        ],
      },
      call(),
    );
    // Then the model answers in text
    expect(second.completion.choices[0].message.content).toContain('Paris');
  });

  it('streams content with include_usage and ends with a usage chunk', async () => {
    const chunks = await collect(adapter.chatStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'stream me please' }] }, call()));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Mock answer from gpt-4o: stream me please');
    expect(chunks[chunks.length - 1].usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 7 });
    expect((server.requests[0].body as ChatRequest).stream_options).toEqual({ include_usage: true });
  });

  it('streams tool-call deltas that add up to the full arguments', async () => {
    const chunks = await collect(adapter.chatStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Oslo' }], tools: weather }, call()));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, id: 'call_get_weather_1', function: { name: 'get_weather' } });
    expect(deltas.map((d) => d.function?.arguments ?? '').join('')).toBe('{"city":"Oslo"}');
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
  });

  it.each([
    ['rate_limit', 'rate_limit', 429, true],
    ['server_error', 'server', 500, true],
    ['unauthorized', 'auth', 401, false],
  ] as const)('maps the %s fault to kind %s', async (scenario, kind, status, retryable) => {
    server.scenario = scenario;
    const error = await failure(adapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, call()));
    expect(error).toMatchObject({ kind, status, retryable });
    if (kind === 'rate_limit') expect(error.retryAfterMs).toBe(1000);
    expect(error.message).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(String(error.stack)).not.toContain(KEY);
  });

  it.each([
    ['cut_stream', 'stream_cut'],
    ['missing_done', 'stream_cut'],
    ['malformed_chunk', 'malformed'],
  ] as const)('ends a stream with %s in a %s error, never a clean finish', async (scenario, kind) => {
    server.scenario = scenario;
    const error = await failure(collect(adapter.chatStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a b c' }] }, call())));
    expect(error.kind).toBe(kind);
  });

  it('reports a non-streamed answer cut in half or garbled as an error', async () => {
    server.enqueueScenarios('cut_stream', 'malformed_chunk');
    const cut = await failure(adapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, call()));
    const garbled = await failure(adapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, call()));
    expect(['network', 'stream_cut']).toContain(cut.kind);
    expect(garbled.kind).toBe('malformed');
  });

  it('times out a stalled upstream and cancels on abort, closing the upstream socket', async () => {
    // Given an upstream that never answers
    server.scenario = 'stall';
    const timedOut = await failure(adapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { ...call(), timeoutMs: 100 }));
    expect(timedOut.kind).toBe('timeout');
    // When the caller aborts a stream in flight
    server.scenario = { delay: 5000 };
    const controller = new AbortController();
    const aborted = server.waitForClientAbort();
    const pending = failure(collect(adapter.chatStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { ...call(), signal: controller.signal })));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    // Then the call fails as cancelled and the upstream sees its client go away
    expect((await pending).kind).toBe('cancelled');
    expect((await aborted).clientAborted).toBe(true);
  });

  it('closes the upstream connection when the consumer stops reading mid-stream (client gone)', async () => {
    // Given an upstream that streams slowly
    const slow = await startMockOpenAIServer({ streamChunkDelayMs: 30 });
    try {
      const aborted = slow.waitForClientAbort();
      // When the consumer takes the first chunk and stops
      for await (const chunk of adapter.chatStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a long answer' }] }, { ...call(), baseUrl: slow.baseUrl })) {
        expect(chunk.choices[0].delta.role).toBe('assistant');
        break;
      }
      // Then the upstream sees its client hang up before the answer ended
      expect((await aborted).clientAborted).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('lists chat and embedding models, dropping audio and image ones, and checks keys', async () => {
    const models = await adapter.listModels(call());
    expect(models.map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
    expect(models.find((m) => m.id === 'gpt-4o')).toMatchObject({ type: 'chat', contextWindow: 128000, supportsVision: true });
    expect(models.find((m) => m.id === 'text-embedding-3-small')?.type).toBe('embedding');
    await expect(adapter.checkApiKey(call())).resolves.toBe(true);
    server.scenario = 'unauthorized';
    await expect(adapter.checkApiKey(call())).resolves.toBe(false);
    server.scenario = 'server_error';
    await expect(adapter.checkApiKey(call())).resolves.toMatchObject({ kind: 'server' });
  });

  it('creates embeddings', async () => {
    const result = await adapter.embeddings!({ model: 'text-embedding-3-small', input: ['one two', 'three'] }, call());
    expect(result.data).toHaveLength(2);
    expect(result.usage.prompt_tokens).toBe(3);
  });

  it('serves Kimi, Qwen and Azure through the same wire format', async () => {
    // Given kimi and qwen pointed at the mock, and azure with a deployment and api-version
    const kimi = await createProviderAdapter('kimi', { transport }).chat({ model: 'kimi-k2-0905-preview', messages: [{ role: 'user', content: 'hi' }] }, call());
    const qwen = await createProviderAdapter('dashscope', { transport }).chat({ model: 'qwen-plus', messages: [{ role: 'user', content: 'hi' }] }, call());
    await createProviderAdapter('azure').chat(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      { apiKey: KEY, baseUrl: server.origin, deployment: 'my-gpt4o', apiVersion: '2024-10-21', signal: new AbortController().signal },
    );
    // Then each is answered, and Azure used its deployment path, api-version and api-key header
    expect(kimi.completion.model).toBe('kimi-k2-0905-preview');
    expect(qwen.completion.model).toBe('qwen-plus');
    const azure = server.requests[2];
    expect(azure.path).toBe('/openai/deployments/my-gpt4o/chat/completions');
    expect(azure.query.get('api-version')).toBe('2024-10-21');
    expect(azure.headers['api-key']).toBe(KEY);
  });

  it('adapts requests to the provider: max_completion_tokens for OpenAI reasoning models, temperature range for Kimi', async () => {
    await adapter.chat({ model: 'o3-mini', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }, call());
    await adapter.chat({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }, call());
    await createProviderAdapter('kimi', { transport }).chat({ model: 'kimi-k2-0905-preview', temperature: 1.5, messages: [{ role: 'user', content: 'x' }] }, call());
    const bodies = server.requests.map((r) => r.body as ChatRequest);
    expect(bodies[0]).toMatchObject({ max_completion_tokens: 50 });
    expect(bodies[0].max_tokens).toBeUndefined();
    expect(bodies[1]).toMatchObject({ max_tokens: 50 });
    expect(bodies[2].temperature).toBe(1);
  });

  it('requires a base URL for a generic openai-compatible provider', async () => {
    const error = await failure(createProviderAdapter('openai-compatible', { transport }).chat({ model: 'm', messages: [] }, { signal: new AbortController().signal }));
    expect(error.kind).toBe('bad_request');
  });
});
