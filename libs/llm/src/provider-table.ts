// What Kastra knows of each provider without talking to it: names, default endpoint, whether a
// call needs a key and where its default key lives. No adapter (and no SDK) is loaded from here,
// so the controller-manager judges LLMs with the same table the llm-proxy calls them with.

export const PROVIDER_NAMES = ['openai', 'anthropic', 'google', 'groq', 'qwen', 'kimi', 'ollama', 'azure', 'openai-compatible', 'mock'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';
export const GROQ_BASE_URL = 'https://api.groq.com/openai/v1';
export const QWEN_BASE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1';
export const KIMI_BASE_URL = 'https://api.moonshot.cn/v1';
export const OLLAMA_BASE_URL = 'http://127.0.0.1:11434/v1';

/**
 * Whether a call needs an API key:
 * - `required`: the provider refuses calls without one. A model uses its own keys; a model given
 *   none uses the provider's default key (`apiKeyEnv`); a model whose own keys are all unusable
 *   never falls back to the default key (it may be another account's).
 * - `optional`: called without a key when the model is given none; a key it is given must be usable.
 * - `none`: called without a key; a key the model is given is sent when usable, left out when not.
 */
export type ProviderKeyNeed = 'required' | 'optional' | 'none';

export interface ProviderDefaults {
  /** Where calls go without an explicit baseUrl; undefined means the model must set one. */
  baseUrl?: string;
  /** Environment variable that replaces `baseUrl` for this process (`providerBaseUrl`). */
  baseUrlEnv?: string;
  apiKey: ProviderKeyNeed;
  /** Environment variable holding the provider's default key (`required` providers). */
  apiKeyEnv?: string;
  /** Environment variable that turns the provider off (`true`). */
  disableEnv: string;
  /** Whether the upstream has an embeddings endpoint. */
  embeddings: boolean;
  /** The wire format its upstream speaks (which mock server stands in for it in tests). */
  wireFormat: 'openai' | 'anthropic' | 'gemini' | 'none';
  /**
   * How a JSON schema answer is asked of it: `json_schema`, it honours `response_format`
   * json_schema (the answer conforms); `prompt`, it does not (Anthropic's adapter can only
   * instruct; Kimi and Qwen's compatible modes know json_object at most), so a caller puts the
   * schema in the prompt and checks the answer itself.
   */
  structuredOutput: 'json_schema' | 'prompt';
}

export const PROVIDER_DEFAULTS: Readonly<Record<ProviderName, ProviderDefaults>> = {
  openai: { baseUrl: OPENAI_BASE_URL, apiKey: 'required', apiKeyEnv: 'OPENAI_API_KEY', disableEnv: 'KASTRA_DISABLE_OPENAI_PROVIDER', embeddings: true, wireFormat: 'openai', structuredOutput: 'json_schema' },
  anthropic: { baseUrl: ANTHROPIC_BASE_URL, apiKey: 'required', apiKeyEnv: 'ANTHROPIC_API_KEY', disableEnv: 'KASTRA_DISABLE_ANTHROPIC_PROVIDER', embeddings: false, wireFormat: 'anthropic', structuredOutput: 'prompt' },
  google: { baseUrl: GEMINI_BASE_URL, apiKey: 'required', apiKeyEnv: 'GEMINI_API_KEY', disableEnv: 'KASTRA_DISABLE_GOOGLE_PROVIDER', embeddings: true, wireFormat: 'gemini', structuredOutput: 'json_schema' },
  groq: { baseUrl: GROQ_BASE_URL, apiKey: 'required', apiKeyEnv: 'GROQ_API_KEY', disableEnv: 'KASTRA_DISABLE_GROQ_PROVIDER', embeddings: false, wireFormat: 'openai', structuredOutput: 'json_schema' },
  qwen: { baseUrl: QWEN_BASE_URL, apiKey: 'required', apiKeyEnv: 'DASHSCOPE_API_KEY', disableEnv: 'KASTRA_DISABLE_QWEN_PROVIDER', embeddings: true, wireFormat: 'openai', structuredOutput: 'prompt' },
  kimi: { baseUrl: KIMI_BASE_URL, apiKey: 'required', apiKeyEnv: 'MOONSHOT_API_KEY', disableEnv: 'KASTRA_DISABLE_KIMI_PROVIDER', embeddings: false, wireFormat: 'openai', structuredOutput: 'prompt' },
  ollama: { baseUrl: OLLAMA_BASE_URL, baseUrlEnv: 'OLLAMA_BASE_URL', apiKey: 'none', disableEnv: 'KASTRA_DISABLE_OLLAMA_PROVIDER', embeddings: true, wireFormat: 'openai', structuredOutput: 'json_schema' },
  azure: { apiKey: 'required', apiKeyEnv: 'AZURE_OPENAI_API_KEY', disableEnv: 'KASTRA_DISABLE_AZURE_PROVIDER', embeddings: true, wireFormat: 'openai', structuredOutput: 'json_schema' },
  'openai-compatible': { apiKey: 'optional', disableEnv: 'KASTRA_DISABLE_OPENAI_COMPATIBLE_PROVIDER', embeddings: true, wireFormat: 'openai', structuredOutput: 'json_schema' },
  mock: { apiKey: 'none', disableEnv: 'KASTRA_DISABLE_MOCK_PROVIDER', embeddings: true, wireFormat: 'none', structuredOutput: 'json_schema' },
};

/** Other names users write for the same providers (LiteLLM's, the vendors' own). */
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

/**
 * The provider's default endpoint in this environment: its `baseUrlEnv` when set (ollama:
 * `OLLAMA_BASE_URL`, as Ollama's own clients write it — `http://host:11434`; `/v1`, the
 * OpenAI-compatible path, is added when missing), else the shipped default.
 */
export function providerBaseUrl(provider: ProviderName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const defaults = PROVIDER_DEFAULTS[provider];
  const configured = defaults.baseUrlEnv ? env[defaults.baseUrlEnv]?.trim() : undefined;
  if (!configured) return defaults.baseUrl;
  const trimmed = configured.replace(/\/+$/, '');
  return provider === 'ollama' && !/\/v1$/.test(trimmed) ? `${trimmed}/v1` : trimmed;
}

/** Whether configuration turned the provider off (`KASTRA_DISABLE_<NAME>_PROVIDER=true`). */
export function isProviderDisabled(provider: ProviderName, env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test(env[PROVIDER_DEFAULTS[provider].disableEnv] ?? '');
}

/** Whether calls need an endpoint the provider has no default for (azure, openai-compatible): the model must give one. */
export function providerNeedsBaseUrl(provider: ProviderName): boolean {
  const defaults = PROVIDER_DEFAULTS[provider];
  return defaults.baseUrl === undefined && defaults.wireFormat !== 'none';
}

/** One key a model was given (its own, not the provider's default): usable now or not. */
export interface GivenKey {
  usable: boolean;
}

/**
 * Whether a model can be called now, as far as keys go:
 * - `own`: with one of its usable keys; `none`: without a key; `default`: with the provider's default key.
 * - `ownKeysUnusable`: it was given keys and none is usable.
 * - `defaultKeyMissing`: it was given none, the provider requires one and `apiKeyEnv` is not set.
 * - `secretKeyRequired`: it was given none, the provider requires one, and it talks to an endpoint
 *   of its own, which is never sent the provider's default key.
 */
export type KeyVerdict =
  | { callable: true; key: 'own' | 'none' | 'default' }
  | { callable: false; missing: 'ownKeysUnusable' }
  | { callable: false; missing: 'defaultKeyMissing'; variable?: string }
  | { callable: false; missing: 'secretKeyRequired' };

/**
 * The one rule both the controller-manager (is the LLM Ready?) and the llm-proxy (may this model
 * be listed and called?) apply. `defaultKeyAvailable`: the provider's default key is at hand (its
 * `apiKeyEnv` is set, or the proxy holds a key for the provider). `need` overrides the provider's
 * (an admin's model with auth_type `none` needs no key). `customEndpoint`: the model's base URL
 * is not the provider's default, so the default key is not for it.
 */
export function judgeModelKeys(
  provider: ProviderName,
  given: readonly GivenKey[],
  options: { defaultKeyAvailable: boolean; need?: ProviderKeyNeed; customEndpoint?: boolean },
): KeyVerdict {
  const need = options.need ?? PROVIDER_DEFAULTS[provider].apiKey;
  if (given.some((key) => key.usable)) return { callable: true, key: 'own' };
  if (need === 'none') return { callable: true, key: 'none' };
  if (given.length > 0) return { callable: false, missing: 'ownKeysUnusable' };
  if (need === 'optional') return { callable: true, key: 'none' };
  if (options.customEndpoint) return { callable: false, missing: 'secretKeyRequired' };
  if (options.defaultKeyAvailable) return { callable: true, key: 'default' };
  const variable = PROVIDER_DEFAULTS[provider].apiKeyEnv;
  return { callable: false, missing: 'defaultKeyMissing', ...(variable ? { variable } : {}) };
}

/**
 * Whether an LLM of `provider` with `baseURL` (its spec.options.baseURL) talks to the provider's
 * default endpoint: no base URL, or the default one (trailing slashes aside). Providers without a
 * default endpoint (azure, openai-compatible) never do.
 */
export function usesDefaultEndpoint(provider: ProviderName, baseURL: unknown, env: NodeJS.ProcessEnv = process.env): boolean {
  const defaultUrl = providerBaseUrl(provider, env);
  if (baseURL === undefined || baseURL === null || baseURL === '') return defaultUrl !== undefined || PROVIDER_DEFAULTS[provider].wireFormat === 'none';
  return defaultUrl !== undefined && typeof baseURL === 'string' && baseURL.replace(/\/+$/, '') === defaultUrl.replace(/\/+$/, '');
}

/**
 * Which `${VAR}` references LLMs may name, per provider (`*`: any provider):
 * `KASTRA_ALLOWED_ENV_REFS`, comma-separated `provider:VARIABLE` or `VARIABLE` (any provider).
 * Unset: each provider's own default key variable, for that provider only (OPENAI_API_KEY for
 * openai, ...). Set but empty: none.
 */
export function allowedEnvReferences(env: NodeJS.ProcessEnv = process.env): ReadonlyMap<string, ReadonlySet<string>> {
  const raw = env.KASTRA_ALLOWED_ENV_REFS;
  const allowed = new Map<string, Set<string>>();
  const add = (provider: string, variable: string) => allowed.set(provider, new Set([...(allowed.get(provider) ?? []), variable]));
  if (raw === undefined) {
    for (const name of PROVIDER_NAMES) {
      const variable = PROVIDER_DEFAULTS[name].apiKeyEnv;
      if (variable) add(name, variable);
    }
    return allowed;
  }
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const provider = colon < 0 ? '*' : normalizeProviderName(entry.slice(0, colon)) ?? entry.slice(0, colon).trim().toLowerCase();
    add(provider, colon < 0 ? entry : entry.slice(colon + 1).trim());
  }
  return allowed;
}

/**
 * Why an LLM of `provider` may not use `${variable}` as a key, or undefined when it may: the
 * variable must be allowed for the provider (allowedEnvReferences) and the LLM must talk to the
 * provider's default endpoint — one with a base URL of its own takes keys from Secrets only, so
 * no principal can have the process's environment sent where it chooses. `field` is where the
 * reference is written (spec.apiKey, spec.apiKeys[1]).
 */
export function envKeyReferenceRefusal(
  provider: ProviderName,
  variable: string,
  options: { baseURL?: unknown; field: string; allowed: ReadonlyMap<string, ReadonlySet<string>> },
): string | undefined {
  if (!usesDefaultEndpoint(provider, options.baseURL)) {
    return `${options.field} names \${${variable}}, but an LLM whose spec.options.baseURL is not provider ${provider}'s default endpoint takes keys from Secrets only: use spec.secretRef`;
  }
  if (options.allowed.get(provider)?.has(variable) || options.allowed.get('*')?.has(variable)) return undefined;
  const names = [...(options.allowed.get(provider) ?? []), ...(options.allowed.get('*') ?? [])];
  const allowedText = names.length > 0 ? `it allows ${names.join(', ')}` : 'it allows none';
  return `${options.field} names \${${variable}}, which the operator does not allow LLMs of provider ${provider} to use (KASTRA_ALLOWED_ENV_REFS; ${allowedText}): keep the key in a Secret and use spec.secretRef`;
}

/** The provider's default key from `env` (its `apiKeyEnv`), if set. A credential: never log it. */
export function providerDefaultKey(provider: ProviderName, env: NodeJS.ProcessEnv): { variable: string; value: string } | undefined {
  const variable = PROVIDER_DEFAULTS[provider].apiKeyEnv;
  const value = variable ? env[variable] : undefined;
  return variable && value ? { variable, value } : undefined;
}
