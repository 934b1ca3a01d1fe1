import type { ChatRequest } from '../chat-types';
import { createProviderAdapter } from '../providers';
import { collectChunks, type MockGeminiServer, providerFailure, startMockGeminiServer } from '../testing';

const KEY = 'AIzaSyTest0123456789abcdefghijklmnop';
const weather: ChatRequest['tools'] = [
  {
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', additionalProperties: false, properties: { city: { type: 'string' } }, required: ['city'] } },
  },
];

describe('Gemini adapter against the Gemini-format mock', () => {
  let server: MockGeminiServer;
  const adapter = createProviderAdapter('gemini');
  const call = () => ({ apiKey: KEY, baseUrl: server.baseUrl, signal: new AbortController().signal });

  beforeAll(async () => {
    server = await startMockGeminiServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('sends the key only in the x-goog-api-key header, never in the URL', async () => {
    await adapter.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }, call());
    await collectChunks(adapter.chatStream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }, call()));
    await adapter.listModels(call());
    for (const request of server.requests) {
      expect(request.headers['x-goog-api-key']).toBe(KEY);
      expect(request.query.has('key')).toBe(false);
      expect(request.path).not.toContain(KEY);
    }
    expect(server.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      '/v1beta/models/gemini-2.5-flash:generateContent?',
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      '/v1beta/models?pageSize=1000',
    ]);
  });

  it('translates system instruction, tools, tool calls and function responses', async () => {
    // Given a conversation where a tool was called and answered
    const request: ChatRequest = {
      model: 'gemini-2.5-pro',
      temperature: 0.2,
      max_tokens: 100,
      response_format: { type: 'json_object' },
      tools: weather,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Rome?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
    };
    // When it is sent
    const { completion, usage } = await adapter.chat(request, call());
    // Then Gemini got contents/parts, and the answer is text
    expect(server.requests[0].body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Rome?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Rome' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: 'sunny' } } }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
      generationConfig: { temperature: 0.2, maxOutputTokens: 100, responseMimeType: 'application/json' },
    });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Mock answer from gemini-2.5-pro: Weather in Rome?' } });
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it('returns function calls as tool calls, streamed with index, id and arguments', async () => {
    const { completion } = await adapter.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Oslo' }], tools: weather }, call());
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.tool_calls?.[0].function).toEqual({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
    const chunks = await collectChunks(adapter.chatStream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Oslo' }], tools: weather }, call()));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([{ index: 0, id: expect.any(String), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    expect(chunks[chunks.length - 1].usage?.prompt_tokens).toBe(1);
  });

  it('streams text ending in a usage chunk', async () => {
    const chunks = await collectChunks(adapter.chatStream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'one two three' }] }, call()));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Mock answer from gemini-2.5-flash: one two three');
    expect(chunks[chunks.length - 1].usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 7 });
  });

  it.each([
    ['rate_limit', 'rate_limit', 429],
    ['server_error', 'server', 500],
    ['unauthorized', 'auth', 400],
  ] as const)('maps the %s fault to kind %s without the key in the message', async (scenario, kind, status) => {
    server.scenario = scenario;
    const error = await providerFailure(adapter.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }, call()));
    expect(error).toMatchObject({ kind, status });
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(KEY);
  });

  it.each([
    ['cut_stream', 'stream_cut'],
    ['missing_done', 'stream_cut'],
    ['malformed_chunk', 'malformed'],
  ] as const)('fails a stream with %s as %s', async (scenario, kind) => {
    server.scenario = scenario;
    const error = await providerFailure(collectChunks(adapter.chatStream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'a b c d' }] }, call())));
    expect(error.kind).toBe(kind);
  });

  it('cancels the upstream stream on abort', async () => {
    server.scenario = { delay: 5000 };
    const controller = new AbortController();
    const aborted = server.waitForClientAbort();
    const pending = providerFailure(collectChunks(adapter.chatStream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }, { ...call(), signal: controller.signal })));
    setTimeout(() => controller.abort(), 50);
    expect((await pending).kind).toBe('cancelled');
    expect((await aborted).clientAborted).toBe(true);
  });

  it('lists generateContent models as chat and embedContent ones as embeddings, and embeds', async () => {
    const models = await adapter.listModels(call());
    expect(models.map((m) => [m.id, m.type])).toEqual([
      ['gemini-2.5-flash', 'chat'],
      ['gemini-2.5-pro', 'chat'],
      ['text-embedding-004', 'embedding'],
    ]);
    expect(models[0]).toMatchObject({ contextWindow: 1048576, maxOutputTokens: 65536 });
    const embedded = await adapter.embeddings!({ model: 'text-embedding-004', input: ['a b', 'c'] }, call());
    expect(embedded.data.map((d) => d.embedding)).toEqual([[3, 2], [1, 1]]);
    server.scenario = 'unauthorized';
    await expect(adapter.checkApiKey(call())).resolves.toBe(false);
  });
});
