import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { Pool } from 'pg';
import { z } from 'zod';
import type { Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import type { ChatRequest } from '@kastra/llm';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { startEventRelay, type EventRelay } from '@kastra/messaging';
import { createResourceStore } from '@kastra/resource-store';
import { createTestDatabase, deleteTestStreams, eventually, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
// The llm-proxy as its module assembles it (registry, resource sync, call path), in this process.
import { startRegistryProxy, type RegistryProxy } from '../../../../apps/llm-proxy/test/registry-proxy';
import { testHome } from '../../../../apps/llm-proxy/test/test-proxy';
import { yamlToMastraLLM } from './yaml-to-mastra-llm';

/** Assembled at runtime so that no literal in the repository looks like a credential. */
const PROVIDER_KEY = ['sk', 'sdk', 'cluster', 'z'.repeat(12)].join('-');

/** The manifest as the app holds it: the key is the cluster's Secret, which the app cannot read. */
const LLM_YAML = (baseURL: string) => `apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: remote-llm
  namespace: default
spec:
  provider: openai-compatible
  model: house-model
  secretRef:
    name: provider-keys
    key: api-key
  options:
    baseURL: ${baseURL}
`;

/** Everything the app sends to and receives from the network, as text. */
interface Exchange {
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

function recordingFetch(exchanges: Exchange[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const copy = response.clone();
    const exchange: Exchange = {
      url: String(input instanceof Request ? input.url : input),
      requestHeaders: Object.fromEntries(new Headers(init?.headers).entries()),
      requestBody: typeof init?.body === 'string' ? init.body : '',
      status: response.status,
      responseHeaders: Object.fromEntries(response.headers.entries()),
      responseBody: '',
    };
    exchanges.push(exchange);
    // Streams are read to the end by the app; the copy is read alongside.
    void copy.text().then((text) => (exchange.responseBody = text));
    return response;
  };
}

describe('a connected model: an app calls its LLM through llm-proxy with its own token, and never holds the key', () => {
  let database: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let proxy: RegistryProxy;
  let upstream: MockOpenAIServer;
  let nc: NatsConnection;
  let relay: EventRelay;
  const prefix = testNatsPrefix('sdkllm');
  const home = testHome();
  const savedEgress = process.env.KASTRA_EGRESS_ALLOW;
  const root = { actor: 'user:root', principal: { sub: 'root', groups: ['system:masters'] } };

  beforeAll(async () => {
    database = await createTestDatabase('sdkllm');
    pool = new Pool({ connectionString: database.url, max: 3 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: database.url, homeDir: home.home });
    upstream = await startMockOpenAIServer({ acceptKeys: [PROVIDER_KEY] });
    nc = await connect({ servers: TEST_NATS_URL });
    relay = await startEventRelay({ pool, nc, prefix, databaseUrl: database.url });
    // The operator opens the provider's (loopback) address to LLM resources
    process.env.KASTRA_EGRESS_ALLOW = new URL(upstream.origin).host;
    proxy = await startRegistryProxy({ databaseUrl: database.url, prefix, home: home.home, env: { KASTRA_LLM_REGISTRY_CACHE_MS: '0', KASTRA_LLM_MAX_ATTEMPTS: '1' } });
    // An admin applies the Secret and the LLM to the cluster
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'provider-keys', namespace: 'default' }, stringData: { 'api-key': PROVIDER_KEY } } as Resource, root);
    const { parse } = await import('yaml');
    await store.create(parse(LLM_YAML(upstream.baseUrl)) as Resource, root);
    // The proxy has it once its model list shows it (it follows the log through NATS)
    await eventually(async () => {
      const listed = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${home.token('user', 'ada')}` } });
      return ((await listed.json()) as { data: Array<{ id: string }> }).data.some((m) => m.id === 'default.remote-llm');
    });
  });

  afterAll(async () => {
    if (savedEgress === undefined) delete process.env.KASTRA_EGRESS_ALLOW;
    else process.env.KASTRA_EGRESS_ALLOW = savedEgress;
    await proxy?.close();
    await relay?.stop();
    await nc?.close();
    await store?.close();
    await pool?.end();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix).catch(() => undefined);
    home.remove();
  });

  beforeEach(() => upstream.reset());

  it('generates, runs a tool round trip and streams through the proxy; the app sends only its token and receives no key', async () => {
    // Given the app's model of the same manifest, connected to the proxy with ada's token
    const token = home.token('user', 'ada');
    const exchanges: Exchange[] = [];
    const model = await yamlToMastraLLM(LLM_YAML(upstream.baseUrl), { llmProxy: proxy.url, token, fetch: recordingFetch(exchanges) });
    const weather = tool({ description: 'The weather', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `rain in ${city}` });

    // When the AI SDK generates with a tool, and streams
    const result = await generateText({ model, prompt: 'Brest', tools: { weather }, stopWhen: stepCountIs(3) });
    const stream = streamText({ model, prompt: 'Nantes' });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);
    const streamUsage = await stream.usage;

    // Then the answers are the provider's, through the proxy, with usage
    expect(model.mode).toBe('connected');
    expect(model.modelId).toBe('default.remote-llm');
    expect(result.steps[0].toolResults[0]).toMatchObject({ toolName: 'weather', input: { city: 'Brest' }, output: 'rain in Brest' });
    expect(result.text).toBe('Mock answer from house-model: Brest');
    expect(result.totalUsage.totalTokens).toBeGreaterThan(0);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Mock answer from house-model: Nantes');
    expect(streamUsage.totalTokens).toBeGreaterThan(0);
    // And the provider received the cluster's key, the tool result and the upstream model name
    expect(upstream.requests).toHaveLength(3);
    expect(upstream.requests.every((r) => r.headers.authorization === `Bearer ${PROVIDER_KEY}`)).toBe(true);
    expect((upstream.requests[1].body as ChatRequest).model).toBe('house-model');
    expect(JSON.stringify((upstream.requests[1].body as ChatRequest).messages)).toContain('rain in Brest');
    // And everything the app sent went to the proxy with ada's token, and nothing it sent or received holds the key
    await eventually(async () => exchanges.every((e) => e.responseBody !== ''));
    expect(exchanges).toHaveLength(3);
    for (const exchange of exchanges) {
      expect(exchange.url).toBe(`${proxy.url}/v1/chat/completions`);
      expect(exchange.requestHeaders.authorization).toBe(`Bearer ${token}`);
      expect(exchange.status).toBe(200);
      expect(JSON.stringify(exchange)).not.toContain(PROVIDER_KEY);
    }
  });

  it('gives the official openai client at the proxy, with the token', async () => {
    const token = home.token('user', 'ada');
    const model = await yamlToMastraLLM(LLM_YAML(upstream.baseUrl), { llmProxy: `${proxy.url}/v1`, token });
    const client = model.client as OpenAI;
    const completion = await client.chat.completions.create({ model: 'default.remote-llm', messages: [{ role: 'user', content: 'direct' }] });
    expect(client.baseURL).toBe(`${proxy.url}/v1`);
    expect(client.apiKey).toBe(token);
    expect(completion.choices[0].message.content).toBe('Mock answer from house-model: direct');
  });

  it('fails with the proxy status for a token it does not accept, and the token is not in the error', async () => {
    // Given a token the proxy did not issue
    const forged = `${home.token('user', 'ada').slice(0, -4)}AAAA`;
    const model = await yamlToMastraLLM(LLM_YAML(upstream.baseUrl), { llmProxy: proxy.url, token: forged });

    // When a call is made
    const failure = await generateText({ model, prompt: 'hi', maxRetries: 0 }).then(
      () => undefined,
      (error: unknown) => error as Error & { statusCode?: number },
    );

    // Then it is the proxy's 401, and nothing reached the provider
    expect(failure?.statusCode).toBe(401);
    expect(JSON.stringify(failure, Object.getOwnPropertyNames(failure ?? {}))).not.toContain(forged);
    expect(upstream.requests).toHaveLength(0);
  });
});
