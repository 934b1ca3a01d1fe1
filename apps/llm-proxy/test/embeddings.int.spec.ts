import OpenAI from 'openai';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

const KEY = 'sk-test-embedding-key-eeeeeeeeeeeeeeee';

/** What the mock provider answers for a text: its char codes folded into 8 dimensions, normalised. */
function mockVector(text: string): number[] {
  const vector = new Array<number>(8).fill(0);
  for (let i = 0; i < text.length; i++) vector[i % 8] += text.charCodeAt(i);
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return vector.map((v) => v / norm);
}

describe('llm-proxy /v1/embeddings with the official OpenAI SDK', () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let proxy: TestProxy;
  const prefix = testNatsPrefix('llmembed');
  const home = testHome();
  const openai = () => new OpenAI({ apiKey: home.token('user'), baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const post = (body: unknown) =>
    fetch(`${proxy.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${home.token('user')}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    database = await createTestDatabase('llmembed');
    upstream = await startMockOpenAIServer();
    const resolver = new StaticModelResolver([
      // The mock OpenAI upstream answers [text length, word count, index] per input.
      { name: 'embed-openai', provider: 'openai', modelId: 'text-embedding-3-small', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-e', apiKey: KEY }] },
      // The offline mock provider answers fractional values, which float32 rounds.
      { name: 'embed-mock', provider: 'mock', modelId: 'mock-embed' },
    ]);
    proxy = await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver });
  });

  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  beforeEach(() => upstream.reset());

  it('gives the SDK its vectors when it asks in its default encoding (base64)', async () => {
    // Given a model on an OpenAI-format upstream
    // When the SDK embeds two texts without saying how to encode them
    const result = await openai().embeddings.create({ model: 'embed-openai', input: ['hello proxy', 'a b c'] });
    // Then it decodes the real values (the SDK asked for base64 and decoded it itself)
    expect(result.data.map((item) => item.embedding)).toEqual([
      [11, 2, 0],
      [5, 3, 1],
    ]);
    expect(result.model).toBe('embed-openai');
    expect(result.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    // And the upstream was asked for floats, so the proxy could read the answer
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].body).toMatchObject({ model: 'text-embedding-3-small', input: ['hello proxy', 'a b c'], encoding_format: 'float' });
  });

  it('answers numbers with encoding_format "float" and base64 of little-endian float32 with "base64"', async () => {
    // Given the mock provider, whose values are not exact in float32
    const expected = mockVector('the quick brown fox');
    // When the SDK asks for floats explicitly
    const floats = await openai().embeddings.create({ model: 'embed-mock', input: 'the quick brown fox', encoding_format: 'float' });
    // Then it gets the values as JSON numbers
    expect(floats.data[0].embedding).toEqual(expected);
    // And the SDK's default gets the same vector at float32 precision
    const decoded = await openai().embeddings.create({ model: 'embed-mock', input: 'the quick brown fox' });
    expect(decoded.data[0].embedding).toEqual(expected.map((v) => Math.fround(v)));
    // And the wire form of base64 is what OpenAI sends: a string of 4 bytes a dimension, little-endian
    const raw = (await (await post({ model: 'embed-mock', input: 'the quick brown fox', encoding_format: 'base64' })).json()) as { data: Array<{ embedding: unknown }> };
    expect(typeof raw.data[0].embedding).toBe('string');
    const bytes = Buffer.from(raw.data[0].embedding as string, 'base64');
    expect(bytes.length).toBe(expected.length * 4);
    expect(expected.map((_, i) => bytes.readFloatLE(i * 4))).toEqual(expected.map((v) => Math.fround(v)));
  });

  it('takes a null encoding_format as the default and refuses an unknown one, naming the field', async () => {
    const nulled = (await (await post({ model: 'embed-openai', input: 'x', encoding_format: null })).json()) as { data: Array<{ embedding: unknown }> };
    expect(nulled.data[0].embedding).toEqual([1, 1, 0]);
    const refused = await post({ model: 'embed-openai', input: 'x', encoding_format: 'int8' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('encoding_format');
  });
});
