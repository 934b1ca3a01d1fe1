import { startMockAnthropicServer } from './mock-anthropic-server';
import { startMockGeminiServer } from './mock-gemini-server';
import { startMockOpenAIServer } from './mock-openai-server';
import { MOCK_SCENARIO_HEADER, type MockUpstreamServer } from './mock-upstream-server';

const chat = (baseUrl: string, key: string, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('mock upstream server', () => {
  it('accepts only the configured keys', async () => {
    const server = await startMockOpenAIServer({ acceptKeys: ['sk-good-1'] });
    try {
      expect((await chat(server.baseUrl, 'sk-good-1')).status).toBe(200);
      expect((await chat(server.baseUrl, 'sk-bad-2')).status).toBe(401);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sk-good-1', 'Bearer sk-bad-2']);
    } finally {
      await server.close();
    }
  });

  it('takes the scenario from the request header, then the queue, then the global setting', async () => {
    const server = await startMockOpenAIServer({ scenario: 'server_error', retryAfterSeconds: 7 });
    try {
      server.enqueueScenarios('rate_limit', 'normal');
      const limited = await chat(server.baseUrl, 'k');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect((await chat(server.baseUrl, 'k', { [MOCK_SCENARIO_HEADER]: 'unauthorized' })).status).toBe(401);
      expect((await chat(server.baseUrl, 'k')).status).toBe(200);
      expect((await chat(server.baseUrl, 'k')).status).toBe(500);
      const started = Date.now();
      // A delay is a scenario of its own: a normal answer, late
      expect((await chat(server.baseUrl, 'k', { [MOCK_SCENARIO_HEADER]: 'delay:120' })).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    } finally {
      await server.close();
    }
  });

  it('closes promptly even with a stalled request open', async () => {
    const server = await startMockOpenAIServer({ scenario: 'stall' });
    const pending = chat(server.baseUrl, 'k').catch((error: Error) => error);
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    // fetch rejects (a TypeError from another realm under Jest, so no instanceof)
    expect(((await pending) as Error).message).toBe('fetch failed');
  });

  // One non-streamed chat request per wire format: where it goes and what it carries.
  const wireFormats: Array<[string, () => Promise<MockUpstreamServer>, (server: MockUpstreamServer) => string, object]> = [
    ['openai', () => startMockOpenAIServer(), (s) => `${s.baseUrl}/chat/completions`, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }],
    ['anthropic', () => startMockAnthropicServer(), (s) => `${s.origin}/v1/messages`, { model: 'claude-sonnet-4', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }],
    ['gemini', () => startMockGeminiServer(), (s) => `${s.origin}/v1beta/models/gemini-2.5-flash:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }],
  ];

  it.each(wireFormats)('breaks a non-streamed %s answer as asked: cut halfway, or garbled JSON', async (_format, start, urlOf, body) => {
    const server = await start();
    const post = (scenario: string) =>
      fetch(urlOf(server), { method: 'POST', headers: { 'content-type': 'application/json', [MOCK_SCENARIO_HEADER]: scenario }, body: JSON.stringify(body) });
    try {
      // A normal answer is JSON
      await expect((await post('normal')).json()).resolves.toEqual(expect.any(Object));
      // cut_stream: the connection dies before the promised body has arrived
      const cut = await post('cut_stream').then(
        (response) => response.text().then(() => 'complete', () => 'cut'),
        () => 'cut',
      );
      expect(cut).toBe('cut');
      // malformed_chunk: the answer ends cleanly but is not JSON
      const garbled = await post('malformed_chunk');
      expect(garbled.status).toBe(200);
      const text = await garbled.text();
      expect(text.startsWith('{')).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
    } finally {
      await server.close();
    }
  });
});
