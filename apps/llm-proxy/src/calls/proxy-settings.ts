import type { AdapterTransport } from '@kastra/llm';

/** Tunables of the call path, from the environment (documented in docs/llm-proxy.md). */
export interface ProxySettings {
  /** Redis holding the shared rate-limit windows. @default REDIS_URL or redis://127.0.0.1:6379 */
  redisUrl: string;
  /** Prefix of every Redis key, one per installation. @default KASTRA_NATS_PREFIX or kastra */
  keyPrefix: string;
  /** Attempts per model (first call + retries) before the fallbacks. @default 3 */
  maxAttemptsPerModel: number;
  /** First retry delay; doubles per attempt, full jitter. @default 200 ms */
  retryBaseMs: number;
  /** Upper bound of one retry delay. @default 5000 ms */
  retryMaxMs: number;
  /** A Retry-After longer than this is not waited for: the next key or fallback is tried. @default 10000 ms */
  maxRetryAfterMs: number;
  /** Deadline of a whole non-stream upstream call, and of a stream's first chunk. @default 120000 ms */
  upstreamTimeoutMs: number;
  /** Longest silence between two chunks of a stream. @default 60000 ms */
  streamIdleTimeoutMs: number;
  /** Consecutive failures that open a key's circuit. @default 5 */
  breakerFailureThreshold: number;
  /** How long an open circuit rejects before one half-open probe. @default 30000 ms */
  breakerCooldownMs: number;
  /**
   * Requests per minute of one user over all models, for users without limits of their own
   * (`/api/v1/llm/user-limits`, which override it, null included); undefined = no limit.
   */
  userRpm?: number;
  /** Tokens per minute of one user over all models, the default as userRpm is; undefined = no limit. */
  userTpm?: number;
  /** Completion tokens reserved when a request gives no max_tokens. @default 1024 */
  defaultCompletionReserve: number;
  /**
   * How OpenAI-format chat calls reach the upstream: a direct `fetch` of OpenAI's wire format
   * (libs/llm), or the official `openai` SDK. fetch saves about 1 ms of proxy CPU per call here
   * (the SDK formats request details for its debug log on every call). Anthropic, Gemini, Azure,
   * model listing and embeddings always go through their SDKs. @default 'fetch'
   */
  upstreamTransport?: AdapterTransport;
  /** Longest wait of a usage event for its batch append (lost on a crash, flushed on a stop). @default 100 ms */
  usageFlushMs?: number;
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

function optionalNumberFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : numberFrom(env, name, 0);
}

export function loadProxySettings(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  return {
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix: env.KASTRA_NATS_PREFIX ?? 'kastra',
    maxAttemptsPerModel: Math.max(1, numberFrom(env, 'KASTRA_LLM_MAX_ATTEMPTS', 3)),
    retryBaseMs: numberFrom(env, 'KASTRA_LLM_RETRY_BASE_MS', 200),
    retryMaxMs: numberFrom(env, 'KASTRA_LLM_RETRY_MAX_MS', 5000),
    maxRetryAfterMs: numberFrom(env, 'KASTRA_LLM_MAX_RETRY_AFTER_MS', 10_000),
    upstreamTimeoutMs: numberFrom(env, 'KASTRA_LLM_TIMEOUT_MS', 120_000),
    streamIdleTimeoutMs: numberFrom(env, 'KASTRA_LLM_STREAM_IDLE_TIMEOUT_MS', 60_000),
    breakerFailureThreshold: Math.max(1, numberFrom(env, 'KASTRA_LLM_BREAKER_FAILURES', 5)),
    breakerCooldownMs: numberFrom(env, 'KASTRA_LLM_BREAKER_COOLDOWN_MS', 30_000),
    userRpm: optionalNumberFrom(env, 'KASTRA_LLM_USER_RPM'),
    userTpm: optionalNumberFrom(env, 'KASTRA_LLM_USER_TPM'),
    defaultCompletionReserve: numberFrom(env, 'KASTRA_LLM_DEFAULT_COMPLETION_RESERVE', 1024),
    upstreamTransport: transportFrom(env),
    usageFlushMs: numberFrom(env, 'KASTRA_LLM_USAGE_FLUSH_MS', 100),
  };
}

/** Injection token of the ProxySettings. */
export const PROXY_SETTINGS = 'KASTRA_LLM_PROXY_SETTINGS';

function transportFrom(env: NodeJS.ProcessEnv): AdapterTransport {
  const raw = env.KASTRA_LLM_UPSTREAM_TRANSPORT;
  if (raw === undefined || raw === '') return 'fetch';
  if (raw !== 'sdk' && raw !== 'fetch') throw new Error(`KASTRA_LLM_UPSTREAM_TRANSPORT must be sdk or fetch, got "${raw}"`);
  return raw;
}
