import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

/**
 * The fast edge answers the hot routes before Express does. The test proxy leaves Express's
 * `X-Powered-By` on, so its absence tells which of the two answered.
 */
describe('llm-proxy fast call edge', () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let proxy: TestProxy;
  const prefix = testNatsPrefix('llmedge');
  const home = testHome();
  const body = JSON.stringify({ model: 'gpt-edge', messages: [{ role: 'user', content: 'hi' }] });

  const post = (path: string, init: { body: string; headers?: Record<string, string> }) =>
    fetch(`${proxy.url}${path}`, { method: 'POST', body: init.body, headers: { authorization: `Bearer ${home.token('user')}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    database = await createTestDatabase('llmedge');
    upstream = await startMockOpenAIServer();
    const resolver = new StaticModelResolver([{ name: 'gpt-edge', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-edge', apiKey: 'sk-edge-aaaaaaaaaaaaaaaaaaaa' }] }]);
    proxy = await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver });
  });

  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix).catch(() => undefined);
    home.remove();
  });

  it('serves chat completions and messages itself, with the overhead header and no Express banner', async () => {
    // When both hot routes are called with a JSON body
    const chat = await post('/v1/chat/completions', { body });
    const messages = await post('/v1/messages', { body: JSON.stringify({ model: 'gpt-edge', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) });
    // Then both answer from the edge, in their own API shape
    expect(chat.status).toBe(200);
    expect(chat.headers.get('x-powered-by')).toBeNull();
    expect(chat.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(chat.headers.get('x-kastra-proxy-overhead-ms')).toMatch(/^\d{1,3}\.\d{3}$/);
    expect(((await chat.json()) as { object: string; model: string })).toMatchObject({ object: 'chat.completion', model: 'gpt-edge' });
    expect(messages.status).toBe(200);
    expect(messages.headers.get('x-powered-by')).toBeNull();
    expect(await messages.json()).toMatchObject({ type: 'message', role: 'assistant' });
  });

  it('answers bad bodies in the API shape of the route: invalid JSON 400, over the limit 413', async () => {
    const garbled = await post('/v1/chat/completions', { body: '{"model": ' });
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('not valid JSON') } });
    const anthropicGarbled = await post('/v1/messages', { body: '[' });
    expect(anthropicGarbled.status).toBe(400);
    expect(await anthropicGarbled.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const huge = await post('/v1/chat/completions', { body: JSON.stringify({ model: 'gpt-edge', messages: [{ role: 'user', content: 'x'.repeat(21 * 1024 * 1024) }] }) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('x-powered-by')).toBeNull();
  });

  it('checks the token before reading the request, and a wrong token gets 401 without an upstream call', async () => {
    const before = upstream.requests.length;
    const answer = await post('/v1/chat/completions', { body: '{}', headers: { authorization: 'Bearer not.a.jwt' } });
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ error: { type: 'authentication_error' } });
    expect(upstream.requests.length).toBe(before);
  });

  it('leaves other routes and non-JSON bodies to Express', async () => {
    // Given a text body on a hot route: Express's JSON parser skips it, the controller sees {}
    const text = await post('/v1/chat/completions', { body: body, headers: { 'content-type': 'text/plain' } });
    expect(text.headers.get('x-powered-by')).toBe('Express');
    expect(text.status).toBe(400);
    // And a route the edge does not serve still works through Nest
    const models = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${home.token('user')}` } });
    expect(models.status).toBe(200);
    expect(models.headers.get('x-powered-by')).toBe('Express');
  });
});
