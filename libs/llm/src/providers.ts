import { ANTHROPIC_BASE_URL, AnthropicAdapter } from './adapters/anthropic-adapter';
import { createAzureOpenAIAdapter } from './adapters/azure-openai-adapter';
import { GEMINI_BASE_URL, GeminiAdapter } from './adapters/gemini-adapter';
import { createGenericOpenAIAdapter } from './adapters/generic-openai-adapter';
import { createGroqAdapter, GROQ_BASE_URL } from './adapters/groq-adapter';
import { createKimiAdapter, KIMI_BASE_URL } from './adapters/kimi-adapter';
import { MockAdapter } from './adapters/mock-adapter';
import type { AdapterTransport } from './adapters/openai-compatible-adapter';
import { createOllamaAdapter, OLLAMA_BASE_URL } from './adapters/ollama-adapter';
import { createOpenAIAdapter, OPENAI_BASE_URL } from './adapters/openai-adapter';
import { createQwenAdapter, QWEN_BASE_URL } from './adapters/qwen-adapter';
import type { ProviderAdapter } from './provider-adapter';
import { ProviderError } from './provider-errors';

export const PROVIDER_NAMES = ['openai', 'anthropic', 'google', 'groq', 'qwen', 'kimi', 'ollama', 'azure', 'openai-compatible', 'mock'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderDefaults {
  /** Where calls go without an explicit baseUrl; undefined means the model must set one. */
  baseUrl?: string;
  requiresApiKey: boolean;
  /** Environment variable a development setup reads the key from. */
  apiKeyEnv?: string;
  /** Environment variable that turns the provider off (`true`). */
  disableEnv: string;
  /** Whether the upstream has an embeddings endpoint. */
  embeddings: boolean;
  /** The wire format its upstream speaks (which mock server stands in for it in tests). */
  wireFormat: 'openai' | 'anthropic' | 'gemini' | 'none';
}

export const PROVIDER_DEFAULTS: Readonly<Record<ProviderName, ProviderDefaults>> = {
  openai: { baseUrl: OPENAI_BASE_URL, requiresApiKey: true, apiKeyEnv: 'OPENAI_API_KEY', disableEnv: 'KASTRA_DISABLE_OPENAI_PROVIDER', embeddings: true, wireFormat: 'openai' },
  anthropic: { baseUrl: ANTHROPIC_BASE_URL, requiresApiKey: true, apiKeyEnv: 'ANTHROPIC_API_KEY', disableEnv: 'KASTRA_DISABLE_ANTHROPIC_PROVIDER', embeddings: false, wireFormat: 'anthropic' },
  google: { baseUrl: GEMINI_BASE_URL, requiresApiKey: true, apiKeyEnv: 'GEMINI_API_KEY', disableEnv: 'KASTRA_DISABLE_GOOGLE_PROVIDER', embeddings: true, wireFormat: 'gemini' },
  groq: { baseUrl: GROQ_BASE_URL, requiresApiKey: true, apiKeyEnv: 'GROQ_API_KEY', disableEnv: 'KASTRA_DISABLE_GROQ_PROVIDER', embeddings: false, wireFormat: 'openai' },
  qwen: { baseUrl: QWEN_BASE_URL, requiresApiKey: true, apiKeyEnv: 'DASHSCOPE_API_KEY', disableEnv: 'KASTRA_DISABLE_QWEN_PROVIDER', embeddings: true, wireFormat: 'openai' },
  kimi: { baseUrl: KIMI_BASE_URL, requiresApiKey: true, apiKeyEnv: 'MOONSHOT_API_KEY', disableEnv: 'KASTRA_DISABLE_KIMI_PROVIDER', embeddings: false, wireFormat: 'openai' },
  ollama: { baseUrl: OLLAMA_BASE_URL, requiresApiKey: false, disableEnv: 'KASTRA_DISABLE_OLLAMA_PROVIDER', embeddings: true, wireFormat: 'openai' },
  azure: { requiresApiKey: true, apiKeyEnv: 'AZURE_OPENAI_API_KEY', disableEnv: 'KASTRA_DISABLE_AZURE_PROVIDER', embeddings: true, wireFormat: 'openai' },
  'openai-compatible': { requiresApiKey: false, disableEnv: 'KASTRA_DISABLE_OPENAI_COMPATIBLE_PROVIDER', embeddings: true, wireFormat: 'openai' },
  mock: { requiresApiKey: false, disableEnv: 'KASTRA_DISABLE_MOCK_PROVIDER', embeddings: true, wireFormat: 'none' },
};

/** Other names users write for the same providers (the LLM-service seed, LiteLLM, DESIGN.md). */
const ALIASES: Record<string, ProviderName> = {
  gemini: 'google',
  google_ai: 'google',
  'google-ai': 'google',
  claude: 'anthropic',
  dashscope: 'qwen',
  qianwen: 'qwen',
  moonshot: 'kimi',
  'azure-openai': 'azure',
  azure_openai: 'azure',
  openai_compatible: 'openai-compatible',
  compatible: 'openai-compatible',
};

/** The canonical provider name, or undefined when Kastra has no adapter for it. */
export function normalizeProviderName(provider: string): ProviderName | undefined {
  const lower = provider.trim().toLowerCase();
  if ((PROVIDER_NAMES as readonly string[]).includes(lower)) return lower as ProviderName;
  return ALIASES[lower];
}

/** Whether configuration turned the provider off (`KASTRA_DISABLE_<NAME>_PROVIDER=true`). */
export function isProviderDisabled(provider: ProviderName, env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test(env[PROVIDER_DEFAULTS[provider].disableEnv] ?? '');
}

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
