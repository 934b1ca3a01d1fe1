import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';
import { QWEN_BASE_URL } from '../provider-table';

/** Alibaba DashScope (Qwen) in its OpenAI-compatible mode. */
export function createQwenAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({
    transport,
    provider: 'qwen',
    defaultBaseUrl: QWEN_BASE_URL,
    modelFilter: (id) => /^(qwen|qwq|qvq|text-embedding)/.test(id),
  });
}
