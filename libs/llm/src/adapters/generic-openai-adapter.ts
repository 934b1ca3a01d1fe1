import { OpenAICompatibleAdapter } from './openai-compatible-adapter';

/** Any other OpenAI-compatible server (vLLM, LM Studio, OpenRouter...): the call must give baseUrl. */
export function createGenericOpenAIAdapter(): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({ provider: 'openai-compatible' });
}
