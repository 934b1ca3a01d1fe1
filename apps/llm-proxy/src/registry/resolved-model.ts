import type { EgressPolicy } from '@kastra/egress';
/** One key handed out by a KeyPool. `apiKey` is a credential: never log it. */
export interface PooledKey {
  /** The key row's id (`llm_model_keys.id`), or `provider:<id>` / `env:<VAR>` for shared keys. */
  keyId: string;
  apiKey: string;
}

/**
 * The keys of one model. `next()` walks the enabled, valid, not cooling-down keys (round-robin,
 * or always the first for key_usage_mode `single`); `undefined` when none is usable right now.
 * Providers that need no key (mock, ollama) have an empty pool: call without a key.
 */
export interface KeyPool {
  next(): PooledKey | undefined;
  /** The provider rejected the key (401/403): persisted as status `invalid`, skipped by every replica. */
  markInvalid(keyId: string, reason: string): Promise<void>;
  /** The provider rate-limited the key (429): skipped by this process for `ms`. */
  coolDown(keyId: string, ms: number): void;
  /** Number of keys in the pool, usable or not. */
  readonly size: number;
}

/** Prices in USD per million tokens. */
export interface ModelPrices {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** The price table's CNY list prices, for providers that bill in CNY (never set by admins). */
  cny?: Omit<ModelPrices, 'cny'>;
}

/** Everything the call path needs to call a model, from a handle. */
export interface ResolvedModel {
  /** Registry row id, or `provider/model` for a handle built from provider defaults. */
  id: string;
  name: string;
  /** Provider type: the adapter to use (openai, anthropic, ..., mock). */
  provider: string;
  /** The model as the provider knows it. */
  modelId: string;
  baseUrl?: string;
  /** Set when a resource chose `baseUrl`: calls connect through the egress policy (libs/llm ProviderCall.egress). */
  egress?: { policy: EgressPolicy; privateAllowed: boolean };
  apiVersion?: string;
  deployment?: string;
  /** Default request options (temperature, maxTokens, ...) and adapter settings. */
  options: Record<string, unknown>;
  supportsVision: boolean;
  maxTokens?: number;
  contextWindow?: number;
  /** Absent when the model is unpriced (never reported as $0). */
  prices?: ModelPrices;
  limits: { rpm?: number; tpm?: number };
  /** Handles tried in order when this model fails. */
  fallbacks: string[];
  keyPool: KeyPool;
  /**
   * Set when the model needs a key and has no usable one (names what is missing, never a value):
   * calls are refused with 403 `no_key` before any upstream call, and model lists leave it out.
   */
  noKeyReason?: string;
}
