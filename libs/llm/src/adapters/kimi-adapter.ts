import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';
import { KIMI_BASE_URL } from '../provider-table';

/**
 * Moonshot (Kimi), OpenAI-compatible. Its /models lists more than chat models; only the
 * moonshot-* and kimi-* families (K2 included) are kept. Context windows come from the API's
 * `context_length` when given, else from the shipped catalogue (K2.5/K2.6/K2.7 Code 256k, K3 1M).
 */
export function createKimiAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({
    transport,
    provider: 'kimi',
    defaultBaseUrl: KIMI_BASE_URL,
    modelFilter: (id) => id.startsWith('moonshot-') || id.startsWith('kimi-'),
    // Moonshot takes temperature in [0, 1]; OpenAI clients may send up to 2.
    prepareRequest: (request) => (request.temperature !== undefined && request.temperature > 1 ? { ...request, temperature: 1 } : request),
  });
}
