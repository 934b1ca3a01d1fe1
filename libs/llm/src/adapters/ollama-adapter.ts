import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';

export const OLLAMA_BASE_URL = 'http://127.0.0.1:11434/v1';

/** A local Ollama through its OpenAI-compatible /v1 API; it needs no key. */
export function createOllamaAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({ transport, provider: 'ollama', defaultBaseUrl: OLLAMA_BASE_URL });
}
