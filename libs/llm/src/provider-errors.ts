/**
 * Every failure of an upstream call becomes one ProviderError, whatever the SDK threw, so the
 * proxy decides retries, key invalidation, cool-downs and breakers on `kind` alone.
 */

export type ProviderErrorKind =
  | 'auth'
  | 'rate_limit'
  | 'server'
  | 'timeout'
  | 'bad_request'
  | 'stream_cut'
  | 'malformed'
  | 'network'
  | 'cancelled';

const RETRYABLE: Record<ProviderErrorKind, boolean> = {
  auth: false,
  rate_limit: true,
  server: true,
  timeout: true,
  bad_request: false,
  stream_cut: true,
  malformed: true,
  network: true,
  cancelled: false,
};

/** HTTP status the proxy answers with when it gives up on this kind (no upstream status known). */
const DEFAULT_STATUS: Record<ProviderErrorKind, number> = {
  auth: 401,
  rate_limit: 429,
  server: 502,
  timeout: 504,
  bad_request: 400,
  stream_cut: 502,
  malformed: 502,
  network: 502,
  cancelled: 499,
};

export interface ProviderErrorOptions {
  /** The upstream HTTP status, when there was one. */
  status?: number;
  /** From Retry-After / retry-after-ms (rate_limit, sometimes 503). */
  retryAfterMs?: number;
  provider?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  /** Upstream status when known, else the status the proxy should answer with. */
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly provider?: string;

  constructor(kind: ProviderErrorKind, message: string, options: ProviderErrorOptions = {}) {
    super(redactSecrets(message));
    this.kind = kind;
    this.status = options.status ?? DEFAULT_STATUS[kind];
    this.retryable = RETRYABLE[kind];
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    // The cause is kept off the enumerable fields: SDK errors carry request headers with the key.
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }

  /** A body the proxy can return to clients: no stack, no cause, no key. */
  toJSON(): { kind: ProviderErrorKind; status: number; message: string; retryAfterMs?: number } {
    return { kind: this.kind, status: this.status, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

/** The kind of an upstream HTTP status. */
export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limit';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'bad_request';
}

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/(Bearer\s+)[^\s"',;]+/gi, '$1[redacted]'],
  [/([?&](?:key|api[-_]?key|access_token)=)[^&\s"']+/gi, '$1[redacted]'],
  [/((?:x-goog-api-key|x-api-key|api-key|authorization)["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi, '$1[redacted]'],
  [/\b(key\s*[:=]\s*)[^\s"',;}]+/gi, '$1[redacted]'],
  // Provider key shapes (OpenAI sk-..., Anthropic sk-ant-..., Google AIza..., Groq gsk_...).
  [/\b(?:sk|gsk|sk-ant|sk-proj)[-_][A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]'],
];

/**
 * Removes anything that looks like a credential from a message. Upstreams echo keys back
 * ("Incorrect API key provided: sk-abc...") and SDKs put URLs with `?key=` in their messages.
 */
export function redactSecrets(message: string, knownSecrets: ReadonlyArray<string | undefined> = []): string {
  let out = message;
  for (const secret of knownSecrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Parses Retry-After (seconds or HTTP date) and retry-after-ms into milliseconds. */
export function retryAfterMsFrom(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
