import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';
import { OLLAMA_BASE_URL } from '../provider-table';

/** A local Ollama through its OpenAI-compatible /v1 API; it needs no key. */
export function createOllamaAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({ transport, provider: 'ollama', defaultBaseUrl: OLLAMA_BASE_URL });
}
