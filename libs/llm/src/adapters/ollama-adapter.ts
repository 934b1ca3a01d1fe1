import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';
import { providerBaseUrl } from '../provider-table';

/** A local Ollama through its OpenAI-compatible /v1 API; it needs no key. Default endpoint: `OLLAMA_BASE_URL`, else 127.0.0.1:11434. */
export function createOllamaAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({ transport, provider: 'ollama', defaultBaseUrl: providerBaseUrl('ollama') });
}
