import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Pool } from 'pg';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startMockAnthropicServer, startMockOpenAIServer, type MockAnthropicServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

const OPENAI_KEY = 'sk-test-responses-key-rrrrrrrrrrrrrrrr';
const ANTHROPIC_KEY = 'sk-ant-test-count-key-cccccccccccccccc';
const BROKEN_KEY = 'sk-test-broken-upstream-key-xxxxxxxxxx';
const ALL_KEYS = [OPENAI_KEY, ANTHROPIC_KEY, BROKEN_KEY];

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('llm-proxy OpenAI Responses/models and Anthropic count_tokens/models with the official SDKs', () => {
  let database: TestDatabase;
  let pool: Pool;
  let upstream: MockOpenAIServer;
  let broken: MockOpenAIServer;
  let claude: MockAnthropicServer;
  let proxy: TestProxy;
  let resolver: StaticModelResolver;
  const prefix = testNatsPrefix('llmsdk');
  const home = testHome();
  /** Every body and header set the proxy sent back, for the key leak check. */
  const answers: string[] = [];

  async function recordingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const response = await fetch(input, init);
    const text = await response.clone().text().catch(() => '');
    answers.push(text, JSON.stringify([...response.headers.entries()]));
    return response;
  }

  const openai = () => new OpenAI({ apiKey: home.token('user'), baseURL: `${proxy.url}/v1`, maxRetries: 0, fetch: recordingFetch });
  const anthropic = () => new Anthropic({ apiKey: home.token('user'), baseURL: proxy.url, maxRetries: 0, fetch: recordingFetch });

  beforeAll(async () => {
    database = await createTestDatabase('llmsdk');
    pool = new Pool({ connectionString: database.url, max: 2 });
    upstream = await startMockOpenAIServer();
    broken = await startMockOpenAIServer({ scenario: 'server_error' });
    claude = await startMockAnthropicServer();
    resolver = new StaticModelResolver([
      { name: 'gpt-test', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-openai', apiKey: OPENAI_KEY }] },
      { name: 'claude-test', provider: 'anthropic', modelId: 'claude-3-5-haiku-latest', baseUrl: claude.baseUrl, keys: [{ keyId: 'key-claude', apiKey: ANTHROPIC_KEY }] },
      { name: 'one-rpm', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-rpm', apiKey: OPENAI_KEY }], limits: { rpm: 1 } },
      { name: 'down-with-fallback', provider: 'openai', modelId: 'gpt-4o', baseUrl: broken.baseUrl, keys: [{ keyId: 'key-broken', apiKey: BROKEN_KEY }], fallbacks: ['gpt-test'] },
    ]);
    proxy = await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver, settings: { maxAttemptsPerModel: 1 } });
  });

  afterAll(async () => {
    await proxy?.close();
    await pool?.end();
    await Promise.all([upstream?.close(), broken?.close(), claude?.close()]);
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  beforeEach(() => {
    upstream.reset();
    claude.reset();
  });

  it('answers responses.create with instructions, input, temperature and max_output_tokens through the chat pipeline', async () => {
    // When the SDK creates a response
    const response = await openai().responses.create({ model: 'gpt-test', instructions: 'be brief', input: 'hello responses', temperature: 0.3, max_output_tokens: 50 });
    // Then it reads the text the upstream answered, as a completed response with usage
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.model).toBe('gpt-test');
    expect(response.output_text).toBe('Mock answer from gpt-4o-mini: hello responses');
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(response.usage).toMatchObject({ input_tokens: 4, output_tokens: 6, total_tokens: 10 });
    expect(response.id).toMatch(/^resp_/);
    // And the upstream got a chat request: instructions as the system message, the limits translated
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello responses' }],
      temperature: 0.3,
      max_tokens: 50,
    });
    // And the call was recorded as usage, as every call of the pipeline is
    await proxy.flushUsage();
    const { rows } = await pool.query(`SELECT data FROM kastra_events WHERE category = 'usage'`);
    expect(rows.map((row) => row.data)).toEqual(expect.arrayContaining([expect.objectContaining({ model: 'gpt-test', status: 'ok', promptTokens: 4, completionTokens: 6 })]));
  });

  it('runs a function tool round trip with responses.create: function_call out, function_call_output back in', async () => {
    const client = openai();
    // When the SDK offers a function tool
    const first = await client.responses.create({ model: 'gpt-test', input: [{ role: 'user', content: 'Oslo' }], tools: [WEATHER_TOOL], tool_choice: 'auto' });
    // Then the model's call comes back as a function_call item
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' });
    expect(upstream.requests[0].body).toMatchObject({ tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL.parameters } }], tool_choice: 'auto' });
    // When the caller sends the history back with the tool's output
    const callItem = call as OpenAI.Responses.ResponseFunctionToolCall;
    const second = await client.responses.create({
      model: 'gpt-test',
      tools: [WEATHER_TOOL],
      input: [{ role: 'user', content: 'Oslo' }, callItem, { type: 'function_call_output', call_id: callItem.call_id, output: 'sunny, 21 C' }],
    });
    // Then the model answers in text, having been sent the call and its result as chat messages
    expect(second.output_text).toBe('Mock answer from gpt-4o-mini: Oslo');
    expect(upstream.requests[1].body).toMatchObject({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Oslo' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: callItem.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: callItem.call_id, content: 'sunny, 21 C' },
      ],
    });
  });

  it('streams response.* events the SDK assembles, through a function tool round trip', async () => {
    const client = openai();
    // When the SDK streams with a tool offered
    const stream = client.responses.stream({ model: 'gpt-test', input: 'Bergen', tools: [WEATHER_TOOL] });
    const types: string[] = [];
    let argumentDeltas = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.function_call_arguments.delta') argumentDeltas += event.delta;
    }
    const first = await stream.finalResponse();
    // Then the events come in OpenAI's order and the arguments arrive in pieces
    expect(types[0]).toBe('response.created');
    expect(types).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', ...types.slice(3, -3), 'response.function_call_arguments.done', 'response.output_item.done', 'response.completed']);
    expect(types.filter((t) => t === 'response.function_call_arguments.delta').length).toBeGreaterThan(1);
    expect(argumentDeltas).toBe('{"city":"Bergen"}');
    const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Bergen"}' });
    expect(first.status).toBe('completed');
    expect(first.usage?.total_tokens).toBeGreaterThan(0);
    // When the tool's output goes back in a second stream
    const second = client.responses.stream({ model: 'gpt-test', tools: [WEATHER_TOOL], input: [{ role: 'user', content: 'Bergen' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'rain' }] });
    const textTypes: string[] = [];
    let text = '';
    for await (const event of second) {
      textTypes.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    const answer = await second.finalResponse();
    // Then the text streams as output_text deltas inside a message item, and the final response holds it whole
    expect(textTypes).toEqual(expect.arrayContaining(['response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.completed']));
    expect(text).toBe('Mock answer from gpt-4o-mini: Bergen');
    expect(answer.output_text).toBe(text);
  });

  it('applies the pipeline to the Responses API: model limits (429 RateLimitError) and fallbacks', async () => {
    const client = openai();
    // Given a model limited to one request a minute
    await client.responses.create({ model: 'one-rpm', input: 'first' });
    // Then the second is refused with OpenAI's 429
    const refused = await client.responses.create({ model: 'one-rpm', input: 'second' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    // And a model whose upstream is down falls back to its fallback model
    const fallen = await client.responses.create({ model: 'down-with-fallback', input: 'still there?' });
    expect(fallen.output_text).toBe('Mock answer from gpt-4o-mini: still there?');
  });

  it('refuses bad Responses bodies with 400 in OpenAI shape, naming the field', async () => {
    const client = openai();
    const noInput = await client.responses.create({ model: 'gpt-test' } as never).catch((error: unknown) => error);
    expect(noInput).toBeInstanceOf(OpenAI.BadRequestError);
    expect((noInput as InstanceType<typeof OpenAI.APIError>).message).toMatch(/input/);
    const stored = await client.responses.create({ model: 'gpt-test', input: 'hi', previous_response_id: 'resp_123' }).catch((error: unknown) => error);
    expect(stored).toBeInstanceOf(OpenAI.BadRequestError);
    expect((stored as InstanceType<typeof OpenAI.APIError>).message).toMatch(/previous_response_id/);
    const hosted = await client.responses.create({ model: 'gpt-test', input: 'hi', tools: [{ type: 'web_search_preview' }] }).catch((error: unknown) => error);
    expect(hosted).toBeInstanceOf(OpenAI.BadRequestError);
    expect((hosted as InstanceType<typeof OpenAI.APIError>).message).toMatch(/only function tools/);
    const unknownModel = await client.responses.create({ model: 'no-such-model', input: 'hi' }).catch((error: unknown) => error);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('retrieves one model with models.retrieve, and answers an unknown one 404 in OpenAI shape', async () => {
    const model = await openai().models.retrieve('gpt-test');
    expect(model).toMatchObject({ id: 'gpt-test', object: 'model', owned_by: 'openai', created: 0 });
    const missing = await openai().models.retrieve('no-such-model').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ message: expect.stringContaining('no-such-model'), type: 'invalid_request_error', code: 'model_not_found' });
  });

  it('answers routes it does not serve in OpenAI error shape, which the SDK raises as APIError', async () => {
    // When the SDK calls a route the proxy does not have
    const unknown = await openai().post('/assistants', { body: { model: 'gpt-test' } }).catch((error: unknown) => error);
    // Then it gets an APIError it parsed (404, OpenAI's fields), not Nest's {"message":"Cannot POST ..."}
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).error).toEqual({ message: expect.stringContaining('POST /v1/assistants'), type: 'invalid_request_error', param: null, code: 'invalid_request' });
    // And a wrong method on a known path, read raw, is the same shape
    const wrongMethod = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'DELETE', headers: { authorization: `Bearer ${home.token('user')}` } });
    expect(wrongMethod.status).toBe(404);
    const body = (await wrongMethod.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null });
    // And an Anthropic client (anthropic-version) gets Anthropic's shape for an unknown route
    const anthropicUnknown = await fetch(`${proxy.url}/v1/messages/batches`, { method: 'POST', headers: { 'x-api-key': home.token('user'), 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: '{}' });
    expect(anthropicUnknown.status).toBe(404);
    expect(await anthropicUnknown.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('POST /v1/messages/batches') } });
    // And paths outside /v1 keep Nest's answer (the admin API has error bodies of its own)
    const outside = await fetch(`${proxy.url}/api/v1/no-such-thing`);
    expect(outside.status).toBe(404);
    expect(await outside.json()).toMatchObject({ statusCode: 404, message: expect.stringContaining('Cannot GET') });
    // And a route the proxy does have still refuses callers without a token, in the same shape
    const noToken = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
  });

  it('counts tokens with messages.countTokens: by Anthropic for Anthropic models, by the proxy otherwise', async () => {
    const client = anthropic();
    const body = { system: 'be brief', messages: [{ role: 'user' as const, content: 'count these four words' }] };
    // When the SDK counts a request for a model whose provider is Anthropic
    const counted = await client.messages.countTokens({ model: 'claude-test', ...body }).withResponse();
    // Then Anthropic's count comes back (the mock counts words: 2 + 4), with its source named
    expect(counted.data).toEqual({ input_tokens: 6 });
    expect(counted.response.headers.get('x-kastra-token-count')).toBe('provider');
    expect(claude.requests).toHaveLength(1);
    expect(claude.requests[0]).toMatchObject({ path: '/v1/messages/count_tokens', body: { model: 'claude-3-5-haiku-latest', system: 'be brief' } });
    const sentKey = claude.requests[0].headers['x-api-key'] ?? String(claude.requests[0].headers.authorization).replace(/^Bearer /, '');
    expect(sentKey).toBe(ANTHROPIC_KEY);
    // When the model's provider has no count endpoint
    const estimated = await client.messages.countTokens({ model: 'gpt-test', ...body }).withResponse();
    // Then the proxy's own estimate answers, in the same shape, and nothing went upstream
    expect(estimated.data.input_tokens).toBeGreaterThan(0);
    expect(estimated.response.headers.get('x-kastra-token-count')).toBe('estimate');
    expect(upstream.requests).toHaveLength(0);
    // And when Anthropic's count fails, the estimate answers instead of an error
    claude.scenario = 'unauthorized';
    try {
      const fallback = await client.messages.countTokens({ model: 'claude-test', ...body }).withResponse();
      expect(fallback.response.headers.get('x-kastra-token-count')).toBe('estimate');
    } finally {
      claude.scenario = 'normal';
    }
    // And an unknown model is Anthropic's 404
    const missing = await client.messages.countTokens({ model: 'no-such-model', ...body }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('lists models in Anthropic shape for models.list (anthropic-version), page by page', async () => {
    const client = anthropic();
    // When the Anthropic SDK lists models one per page, following has_more
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 1 })) {
      expect(model).toEqual({ type: 'model', id: model.id, display_name: expect.any(String), created_at: expect.any(String) });
      ids.push(model.id);
    }
    // Then it sees every callable model once
    expect(ids.sort()).toEqual(['claude-test', 'down-with-fallback', 'gpt-test', 'one-rpm']);
    const page = await client.models.list({ limit: 2 });
    expect(page.has_more).toBe(true);
    expect(page.first_id).toBe(page.data[0].id);
    expect(page.last_id).toBe(page.data[1].id);
    // And one model by id in the same shape; the OpenAI list without the header is unchanged
    expect(await client.models.retrieve('claude-test')).toMatchObject({ type: 'model', id: 'claude-test' });
    const openAiList = await openai().models.list();
    expect(openAiList.data.map((m) => m.object)).toEqual(['model', 'model', 'model', 'model']);
  });

  it('never sends a provider key back', () => {
    const all = answers.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const key of ALL_KEYS) expect(all).not.toContain(key);
  });
});
