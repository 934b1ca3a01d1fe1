import { type AdapterTransport, OpenAICompatibleAdapter } from './openai-compatible-adapter';
import { GROQ_BASE_URL } from '../provider-table';

/** Groq's OpenAI-compatible endpoint (whisper and guard models are not chat models). */
export function createGroqAdapter(transport?: AdapterTransport): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({
    transport,
    provider: 'groq',
    defaultBaseUrl: GROQ_BASE_URL,
    modelFilter: (id) => !/whisper|guard|playai|distil/.test(id),
  });
}
