import { EgressAllowList, EgressPolicy, type HostResolver } from '@kastra/egress';
import type { ChatRequest } from './chat-types';
import { createProviderAdapter } from './providers';
import { collectChunks, type MockUpstreamServer, providerFailure, startMockAnthropicServer, startMockGeminiServer, startMockOpenAIServer } from './testing';

const KEY = 'sk-held-by-the-proxy-0123456789';
const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const confined = (policy = new EgressPolicy()) => ({ policy, privateAllowed: false });

describe('upstream calls to a base URL a resource chose go through the egress policy', () => {
  const servers: MockUpstreamServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });
  const started = async (server: Promise<MockUpstreamServer>) => {
    const up = await server;
    servers.push(up);
    return up;
  };

  it.each([
    ['openai (fetch transport)', 'openai', 'fetch', startMockOpenAIServer, (s: MockUpstreamServer) => `${s.origin}/v1`],
    ['openai (sdk transport)', 'openai', 'sdk', startMockOpenAIServer, (s: MockUpstreamServer) => `${s.origin}/v1`],
    ['anthropic', 'anthropic', 'sdk', startMockAnthropicServer, (s: MockUpstreamServer) => s.origin],
    ['google', 'google', 'sdk', startMockGeminiServer, (s: MockUpstreamServer) => s.origin],
  ] as const)('%s: a loopback base URL is refused before the key is sent, unless opened', async (_label, provider, transport, start, baseOf) => {
    // Given a provider upstream on 127.0.0.1 and an adapter
    const server = await started(start());
    const adapter = createProviderAdapter(provider, { transport });
    const baseUrl = baseOf(server);
    // When a call whose base URL a resource chose goes there under a policy that opens nothing
    const refused = await providerFailure(adapter.chat(request, { apiKey: KEY, baseUrl, signal: new AbortController().signal, egress: confined() }));
    // Then it fails as a bad request naming the rule, not retried, and the upstream never saw a request (nor the key)
    expect(refused).toMatchObject({ kind: 'bad_request', retryable: false, message: expect.stringContaining('refused by egress policy: 127.0.0.1 is a loopback address') });
    expect(server.requests).toHaveLength(0);
    // And streaming is refused the same way
    const streamed = await providerFailure(collectChunks(adapter.chatStream(request, { apiKey: KEY, baseUrl, signal: new AbortController().signal, egress: confined() })));
    expect(streamed.kind).toBe('bad_request');
    expect(server.requests).toHaveLength(0);
    // And once the operator opens the port, the same call goes through
    const opened = new EgressPolicy(new EgressAllowList(new URL(server.origin).host));
    await expect(adapter.chat(request, { apiKey: KEY, baseUrl, signal: new AbortController().signal, egress: confined(opened) })).resolves.toMatchObject({ usage: expect.anything() });
    expect(server.requests).toHaveLength(1);
  });

  it('connects to the address it checked: a name resolving public first and 127.0.0.1 next never reaches loopback', async () => {
    // Given an upstream on 127.0.0.1 and a resolver whose first answer is public, every later one loopback
    const server = await started(startMockOpenAIServer());
    let lookups = 0;
    const rebinding: HostResolver = async () => (lookups++ === 0 ? [{ address: '203.0.113.10', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const policy = new EgressPolicy(new EgressAllowList(), rebinding);
    const adapter = createProviderAdapter('openai', { transport: 'fetch' });
    // When a call goes to the name (the public address does not answer here)
    const failed = await providerFailure(
      adapter.chat(request, { apiKey: KEY, baseUrl: `http://rebind.test:${new URL(server.origin).port}/v1`, signal: new AbortController().signal, timeoutMs: 1500, egress: confined(policy) }),
    );
    // Then the call failed where the checked address led, and loopback never got a request
    expect(['network', 'timeout']).toContain(failed.kind);
    expect(lookups).toBe(1);
    expect(server.requests).toHaveLength(0);
  });
});
