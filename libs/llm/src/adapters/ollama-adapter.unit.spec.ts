import { type MockOpenAIServer, startMockOpenAIServer } from '../testing';
import { createOllamaAdapter } from './ollama-adapter';

describe('ollama adapter', () => {
  let server: MockOpenAIServer;
  const saved = process.env.OLLAMA_BASE_URL;

  beforeAll(async () => {
    server = await startMockOpenAIServer();
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.OLLAMA_BASE_URL;
    else process.env.OLLAMA_BASE_URL = saved;
    await server.close();
  });

  it('calls the OLLAMA_BASE_URL of its environment when a model gives no base URL,', async () => {
    // Given OLLAMA_BASE_URL as Ollama's own clients write it (no /v1)
    process.env.OLLAMA_BASE_URL = server.origin;
    const adapter = createOllamaAdapter();
    // When a model without a base URL is called
    const result = await adapter.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hello ollama' }] }, { signal: new AbortController().signal });
    // Then the call went to that server's OpenAI-compatible path
    expect(result.completion.choices[0].message.content).toBe('Mock answer from llama3.2: hello ollama');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
  });
});
