import { ApiError } from '@kastra/api';
import { isProviderError, type ProviderErrorKind } from '@kastra/llm';

/** What went wrong, as the proxy tells its clients (a ProviderError kind or a proxy-side reason). */
export type LlmCallErrorType = ProviderErrorKind | 'rate_limited' | 'model_not_found' | 'invalid_request' | 'no_key' | 'circuit_open' | 'internal';

/** The status the proxy answers with when an upstream failure ends a call. */
const PROXY_STATUS: Record<ProviderErrorKind, number> = {
  auth: 502,
  rate_limit: 429,
  server: 502,
  timeout: 504,
  bad_request: 400,
  stream_cut: 502,
  malformed: 502,
  network: 502,
  cancelled: 499,
};

/**
 * The one error a call ends with, whatever failed: carries the HTTP status, a type and a message
 * safe for clients (never a key). The endpoints render it in the OpenAI or Anthropic shape.
 */
export class LlmCallError extends Error {
  override readonly name = 'LlmCallError';

  constructor(
    readonly status: number,
    readonly type: LlmCallErrorType,
    message: string,
    /** For 429: when the client may try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The proxy's own RPM/TPM limit refused the call (not an upstream 429): nothing went upstream. */
export class RateLimitRefusal extends LlmCallError {
  constructor(
    /** Which limit: `user_rpm`, `user_tpm`, `model_rpm` or `model_tpm`. */
    readonly limit: `${'user' | 'model'}_${'rpm' | 'tpm'}`,
    message: string,
    retryAfterMs: number,
  ) {
    super(429, 'rate_limited', message, retryAfterMs);
  }
}

/** Any error thrown on the call path as an LlmCallError (ApiErrors keep their status). */
export function toLlmCallError(error: unknown): LlmCallError {
  if (error instanceof LlmCallError) return error;
  if (isProviderError(error)) {
    // An upstream that rejects every key is the proxy's problem, not the client's credentials.
    const status = error.kind === 'bad_request' ? (error.status >= 400 && error.status < 500 ? error.status : 400) : PROXY_STATUS[error.kind];
    return new LlmCallError(status, error.kind, error.message, error.retryAfterMs);
  }
  if (error instanceof ApiError) {
    const type: LlmCallErrorType = error.httpStatus === 404 ? 'model_not_found' : error.httpStatus < 500 ? 'invalid_request' : 'internal';
    return new LlmCallError(error.httpStatus, type, error.message);
  }
  return new LlmCallError(500, 'internal', 'internal error in the llm-proxy');
}
