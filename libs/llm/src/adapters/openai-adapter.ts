import { type AdapterTransport, OpenAICompatibleAdapter, renameMaxTokensForReasoningModels } from './openai-compatible-adapter';
import { OPENAI_BASE_URL } from '../provider-table';

/** OpenAI itself. */
export function createOpenAIAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({ provider: 'openai', defaultBaseUrl: OPENAI_BASE_URL, transport, prepareRequest: renameMaxTokensForReasoningModels });
}
