import { AnthropicAdapter } from './adapters/anthropic-adapter';
import { createAzureOpenAIAdapter } from './adapters/azure-openai-adapter';
import { GeminiAdapter } from './adapters/gemini-adapter';
import { createGenericOpenAIAdapter } from './adapters/generic-openai-adapter';
import { createGroqAdapter } from './adapters/groq-adapter';
import { createKimiAdapter } from './adapters/kimi-adapter';
import { MockAdapter } from './adapters/mock-adapter';
import type { AdapterTransport } from './adapters/openai-compatible-adapter';
import { createOllamaAdapter } from './adapters/ollama-adapter';
import { createOpenAIAdapter } from './adapters/openai-adapter';
import { createQwenAdapter } from './adapters/qwen-adapter';
import type { ProviderAdapter } from './provider-adapter';
import { ProviderError } from './provider-errors';
import { normalizeProviderName, PROVIDER_NAMES, type ProviderName } from './provider-table';

export interface AdapterOptions {
  /** OpenAI-format providers only (not Azure): SDK or direct fetch for chat calls. @default 'sdk' */
  transport?: AdapterTransport;
}

const FACTORIES: Record<ProviderName, (options: AdapterOptions) => ProviderAdapter> = {
  openai: (o) => createOpenAIAdapter(o.transport),
  anthropic: () => new AnthropicAdapter(),
  google: () => new GeminiAdapter(),
  groq: (o) => createGroqAdapter(o.transport),
  qwen: (o) => createQwenAdapter(o.transport),
  kimi: (o) => createKimiAdapter(o.transport),
  ollama: (o) => createOllamaAdapter(o.transport),
  azure: () => createAzureOpenAIAdapter(),
  'openai-compatible': (o) => createGenericOpenAIAdapter(o.transport),
  mock: () => new MockAdapter(),
};

/**
 * A new adapter for the provider (or one of its aliases). Adapters hold only SDK clients, so
 * callers should create one per provider and keep it. Unknown providers are a bad_request.
 */
export function createProviderAdapter(provider: string, options: AdapterOptions = {}): ProviderAdapter {
  const name = normalizeProviderName(provider);
  if (!name) throw new ProviderError('bad_request', `unknown LLM provider "${provider}" (known: ${PROVIDER_NAMES.join(', ')})`);
  return FACTORIES[name](options);
}
