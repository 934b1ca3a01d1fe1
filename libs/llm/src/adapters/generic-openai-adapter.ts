import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';

/** Any other OpenAI-compatible server (vLLM, LM Studio, OpenRouter...): the call must give baseUrl. */
export function createGenericOpenAIAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({ transport, provider: 'openai-compatible' });
}
