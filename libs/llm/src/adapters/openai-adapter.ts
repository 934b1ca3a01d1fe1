import { type AdapterTransport, OpenAICompatibleAdapter, renameMaxTokensForReasoningModels } from './openai-compatible-adapter';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** OpenAI itself. */
export function createOpenAIAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({ provider: 'openai', defaultBaseUrl: OPENAI_BASE_URL, transport, prepareRequest: renameMaxTokensForReasoningModels });
}
