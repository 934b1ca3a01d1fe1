import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';

export const QWEN_BASE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1';

/** Alibaba DashScope (Qwen) in its OpenAI-compatible mode. */
export function createQwenAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({
    transport,
    provider: 'qwen',
    defaultBaseUrl: QWEN_BASE_URL,
    modelFilter: (id) => /^(qwen|qwq|qvq|text-embedding)/.test(id),
  });
}
