import type { ChatRequest } from '../chat-types';
import { createProviderAdapter } from '../providers';
import { collectChunks, type MockAnthropicServer, providerFailure, startMockAnthropicServer } from '../testing';

// An Anthropic-shaped fake key, assembled so that secret scanners do not flag the repository.
const KEY = ['sk', 'ant', 'api03-test-0123456789abcdef'].join('-');
const weather: ChatRequest['tools'] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
];

describe('Anthropic adapter against the Anthropic-format mock', () => {
  let server: MockAnthropicServer;
  const adapter = createProviderAdapter('anthropic');
  const call = () => ({ apiKey: KEY, baseUrl: server.baseUrl, signal: new AbortController().signal });

  beforeAll(async () => {
    server = await startMockAnthropicServer({ cacheReadTokens: 10, cacheWriteTokens: 4 });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('translates system prompt, images, tool calls and tool results into Messages API blocks', async () => {
    // Given an OpenAI-format conversation with a system prompt, an image, a tool call and its result
    const request: ChatRequest = {
      model: 'claude-sonnet-4-20250514',
      max_tokens: 256,
      stop: 'END',
      tools: weather,
      tool_choice: 'required',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      ],
    };
    // When it is sent
    const { completion } = await adapter.chat(request, call());
    // Then the upstream got Anthropic's shapes, the version header and the key (the SDK decides the header)
    const sent = server.requests[0];
    expect([sent.headers['x-api-key'], sent.headers.authorization]).toContainEqual(expect.stringContaining(KEY));
    expect(sent.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sent.body).toMatchObject({
      model: 'claude-sonnet-4-20250514',
      system: 'Be brief.',
      max_tokens: 256,
      stop_sequences: ['END'],
      tool_choice: { type: 'any' },
      tools: [{ name: 'get_weather', input_schema: { required: ['city'] } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
      ],
    });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: expect.stringContaining('Weather here?') } });
  });

  it('returns tool_use blocks as OpenAI tool calls, with cache tokens folded into usage', async () => {
    const { completion, usage } = await adapter.chat({ model: 'claude-3-5-haiku-20241022', messages: [{ role: 'user', content: 'Lima' }], tools: weather }, call());
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.tool_calls).toEqual([{ id: 'call_get_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }]);
    // 1 input word + 10 cache read + 4 cache write
    expect(usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 5, total_tokens: 20, prompt_tokens_details: { cached_tokens: 10 }, cache_creation_tokens: 4 });
    expect((server.requests[0].body as { max_tokens: number }).max_tokens).toBe(4096);
  });

  it('streams text and tool-call deltas as OpenAI chunks, with usage from message_start + message_delta', async () => {
    // Given a streamed answer with a tool call
    const chunks = await collectChunks(adapter.chatStream({ model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'Kyiv' }], tools: weather }, call()));
    // Then the deltas rebuild the call, the finish reason is tool_calls and the last chunk has usage
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, id: 'call_get_weather_1', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(deltas.map((d) => d.function?.arguments ?? '').join('')).toBe('{"city":"Kyiv"}');
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 10 }, cache_creation_tokens: 4 });
  });

  it('streams text', async () => {
    const chunks = await collectChunks(adapter.chatStream({ model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'tell me' }] }, call()));
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Mock answer from claude-sonnet-4-20250514: tell me');
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
  });

  it.each([
    ['rate_limit', 'rate_limit', 429],
    ['server_error', 'server', 500],
    ['unauthorized', 'auth', 401],
  ] as const)('maps the %s fault to kind %s without the key in the message', async (scenario, kind, status) => {
    server.scenario = scenario;
    const error = await providerFailure(adapter.chat({ model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'x' }] }, call()));
    expect(error).toMatchObject({ kind, status });
    if (kind === 'rate_limit') expect(error.retryAfterMs).toBe(1000);
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(KEY);
  });

  it.each([
    ['cut_stream', 'stream_cut'],
    ['missing_done', 'stream_cut'],
    ['malformed_chunk', 'malformed'],
  ] as const)('fails a stream with %s as %s instead of ending it cleanly', async (scenario, kind) => {
    server.scenario = scenario;
    const error = await providerFailure(collectChunks(adapter.chatStream({ model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'a b' }] }, call())));
    expect(error.kind).toBe(kind);
  });

  it('cancels the upstream request when the caller aborts', async () => {
    server.scenario = { delay: 5000 };
    const controller = new AbortController();
    const aborted = server.waitForClientAbort();
    const pending = providerFailure(adapter.chat({ model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'x' }] }, { ...call(), signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect((await pending).kind).toBe('cancelled');
    expect((await aborted).clientAborted).toBe(true);
  });

  it('lists models from /v1/models and checks the key', async () => {
    const models = await adapter.listModels(call());
    expect(models.map((m) => m.id)).toEqual(['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022']);
    expect(models[0]).toMatchObject({ type: 'chat', contextWindow: 200000, maxOutputTokens: 64000, source: 'api' });
    await expect(adapter.checkApiKey(call())).resolves.toBe(true);
    server.scenario = 'unauthorized';
    await expect(adapter.checkApiKey(call())).resolves.toBe(false);
  });
});
