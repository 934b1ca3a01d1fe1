/** Type of the usage event appended for every call (stream `usage:<yyyy-mm-dd>`, category `usage`). */
export const LLM_CALL_RECORDED = 'LlmCallRecorded';

/** `rate_limited`: refused by the proxy's own user or model limit before any upstream call (no tokens). */
export type LlmCallStatus = 'ok' | 'error' | 'cancelled' | 'rate_limited';

/** Data of an LlmCallRecorded event. Carries the key id, never the key. */
export interface LlmCallRecorded {
  user: string;
  /** The handle the client asked for (after fallback: the model that answered). */
  model: string;
  provider: string;
  keyId: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
  costCny: number | null;
  priced: boolean;
  latencyMs: number;
  status: LlmCallStatus;
  /** The failure's kind; for `rate_limited` the limit: user_rpm, user_tpm, model_rpm or model_tpm. */
  errorKind?: string;
  stream: boolean;
  /** The model first asked for, when a fallback answered. */
  fallbackFrom?: string;
  /** The run (its uid) the call was made for, when the caller named one: a run's usage is the sum of its events. */
  runUid?: string;
}

/** `usage:2025-01-31` — one stream per UTC day. */
export function usageStreamId(at: Date): string {
  return `usage:${at.toISOString().slice(0, 10)}`;
}
