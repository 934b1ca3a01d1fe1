import { connect as connectSocket } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTestDatabase, deleteTestStreams, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { llmChatSubject } from '../src/nats/llm-nats-responder';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

/** A JSON Schema nesting `depth` objects, as a tool's parameters. */
function deepSchema(depth: number): unknown {
  let schema: unknown = { type: 'string' };
  for (let level = 0; level < depth; level++) schema = { type: 'object', properties: { next: schema } };
  return schema;
}

/**
 * What every way into the proxy refuses before it does any work: bodies nesting past 100 levels
 * (on the fast edge, the Nest routes and NATS), and bodies of callers without a valid token,
 * which are answered before they are read.
 */
describe('llm-proxy request bounds', () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let proxy: TestProxy;
  let nc: NatsConnection;
  const prefix = testNatsPrefix('llmbounds');
  const home = testHome();
  const deepTools = [{ type: 'function', function: { name: 'deep', parameters: deepSchema(2000) } }];

  const post = (path: string, body: unknown) =>
    fetch(`${proxy.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${home.token('user')}`, 'content-type': 'application/json' } });

  /** Sends headers announcing a 3 MiB body and only its first bytes; what the proxy answers within `waitMs`. */
  const holdBody = (path: string, headers: Record<string, string>, waitMs = 1500) =>
    new Promise<string>((resolve, reject) => {
      const socket = connectSocket(Number(new URL(proxy.url).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (data) => (answer += data.toString('utf8')));
      socket.on('error', reject);
      socket.on('connect', () => {
        const lines = Object.entries({ host: 'localhost', 'content-type': 'application/json', 'content-length': String(3 * 1024 * 1024), ...headers });
        socket.write(`POST ${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n{"model":`);
      });
      setTimeout(() => {
        socket.destroy();
        resolve(answer);
      }, waitMs);
    });

  beforeAll(async () => {
    database = await createTestDatabase('llmbounds');
    upstream = await startMockOpenAIServer();
    const resolver = new StaticModelResolver([{ name: 'bounded', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'kb', apiKey: 'sk-bounds-aaaaaaaaaaaaaaaaaaaaaa' }] }]);
    proxy = await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver });
    nc = await connect({ servers: TEST_NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    await proxy?.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix).catch(() => undefined);
    home.remove();
  });

  it('answers tool parameters 2,000 levels deep with a 400 naming the limit, on every route, without an upstream call', async () => {
    // Given chat, messages, LLM-service and embeddings bodies nesting 2,000 levels
    const before = upstream.requests.length;
    const messages = [{ role: 'user', content: 'hi' }];
    const answers = await Promise.all([
      post('/v1/chat/completions', { model: 'bounded', messages, tools: deepTools }),
      post('/v1/messages', { model: 'bounded', max_tokens: 16, messages, tools: [{ name: 'deep', input_schema: deepSchema(2000) }] }),
      post('/api/v1/llm/chat', { model: 'bounded', messages, tools: deepTools }),
      post('/v1/embeddings', { model: 'bounded', input: 'x', extra: deepSchema(2000) }),
    ]);
    // Then each is a 400 in its API's shape, saying why
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(JSON.stringify(await answer.json())).toContain('more than 100 levels deep');
    }
    expect(upstream.requests.length).toBe(before);
    // And a schema at the limit still goes through
    const fine = await post('/v1/chat/completions', { model: 'bounded', messages, tools: [{ type: 'function', function: { name: 'ok', parameters: deepSchema(40) } }] });
    expect(fine.status).toBe(200);
  });

  it('answers a NATS chat request nesting 2,000 levels with a 400 reply', async () => {
    // Given a request over NATS whose tool parameters nest 2,000 levels
    const request = { request: { model: 'bounded', messages: [{ role: 'user', content: 'hi' }], tools: deepTools }, user: 'erin' };
    // When it is sent
    const reply = (await nc.request(llmChatSubject(prefix), JSON.stringify(request), { timeout: 5000 })).json<{ ok: boolean; error: { status: number; message: string } }>();
    // Then the reply is a 400 naming the limit
    expect(reply).toEqual({ ok: false, error: expect.objectContaining({ status: 400, message: expect.stringContaining('more than 100 levels deep') }) });
  });

  it('answers an anonymous caller 401 before its body has been sent, on the fast edge and the Nest routes', async () => {
    // Given clients without a token that announce 3 MiB bodies and send a few bytes
    for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/embeddings', '/api/v1/llm/chat']) {
      // When they wait
      const answer = await holdBody(path, {});
      // Then each has its 401 already
      expect(`${path} ${answer.split('\r\n')[0]}`).toBe(`${path} HTTP/1.1 401 Unauthorized`);
    }
    // And a caller with a token is still waited for: its body is read
    const authenticated = await holdBody('/v1/chat/completions', { authorization: `Bearer ${home.token('user')}` }, 800);
    expect(authenticated).toBe('');
  });
});
