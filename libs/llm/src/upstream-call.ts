import { Cancellation, type CancelSignal } from './cancel-signal';
import type { ProviderCall } from './provider-adapter';
import { kindOfStatus, ProviderError, redactSecrets, retryAfterMsFrom } from './provider-errors';
import { egressRefusal } from './upstream-egress';

/**
 * What one upstream call runs under: the caller's signal plus the whole-call deadline.
 * SDK timeouts stop at the response headers; a stream that stalls after them needs this one.
 */
export class UpstreamCall {
  /** Aborts on the caller's abort or the deadline; one per call, so no listener outlives it. */
  readonly cancel: CancelSignal;
  private readonly deadline?: Cancellation;
  private readonly timer?: NodeJS.Timeout;
  private linked?: AbortController;
  private readonly onCallerAbort = () => this.deadline?.abort();
  private readonly onCancel = () => this.linked?.abort();

  constructor(
    readonly provider: string,
    readonly call: ProviderCall,
  ) {
    if (call.timeoutMs === undefined || call.timeoutMs <= 0) {
      // No deadline of our own: the caller's signal is the call's (the proxy passes one per attempt).
      this.cancel = call.signal;
      return;
    }
    this.deadline = new Cancellation();
    this.cancel = this.deadline;
    // Callers may pass a long-lived signal (service shutdown): listen only while the call runs.
    if (call.signal.aborted) this.deadline.abort();
    else call.signal.addEventListener('abort', this.onCallerAbort, { once: true });
    this.timer = setTimeout(() => this.deadline?.abort(), call.timeoutMs);
    this.timer.unref?.();
  }

  /**
   * `cancel` as a real AbortSignal, for SDKs and `fetch`: the caller's own when it is one, else
   * made on first use (the node:http path never asks, and so never pays for one).
   */
  get signal(): AbortSignal {
    if (this.cancel instanceof AbortSignal) return this.cancel;
    if (!this.linked) {
      this.linked = new AbortController();
      if (this.cancel.aborted) this.linked.abort();
      else this.cancel.addEventListener('abort', this.onCancel, { once: true });
    }
    return this.linked.signal;
  }

  /** Stops the deadline timer and the listeners; call when the call has fully ended. */
  finish(): void {
    if (this.linked) this.cancel.removeEventListener('abort', this.onCancel);
    if (!this.deadline) return;
    clearTimeout(this.timer);
    this.call.signal.removeEventListener('abort', this.onCallerAbort);
  }

  /** Throws the cancellation/timeout error if the call was aborted. */
  throwIfAborted(): void {
    if (this.cancel.aborted) throw this.abortError();
  }

  abortError(): ProviderError {
    if (this.call.signal.aborted) return new ProviderError('cancelled', 'request cancelled by the client', { provider: this.provider });
    return new ProviderError('timeout', `upstream call exceeded ${this.call.timeoutMs} ms`, { provider: this.provider });
  }

  /** Turns anything an SDK, fetch or our parsers threw into a ProviderError with no key in it. */
  toProviderError(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    if (this.cancel.aborted) return this.abortError();
    const refused = egressRefusal(this.provider, error);
    if (refused) return refused;
    const secrets = [this.call.apiKey];
    const message = redactSecrets(messageOf(error), secrets);
    const status = statusOf(error);
    if (status !== undefined) {
      const headers = headersOf(error);
      return new ProviderError(kindOfStatus(status), message, {
        status,
        retryAfterMs: retryAfterMsFrom(headers),
        provider: this.provider,
        cause: error,
      });
    }
    const name = (error as { name?: string } | null)?.name ?? '';
    if (name === 'APIConnectionTimeoutError' || name === 'TimeoutError') {
      return new ProviderError('timeout', message, { provider: this.provider, cause: error });
    }
    if (name === 'AbortError' || name === 'APIUserAbortError') {
      return new ProviderError('cancelled', message, { provider: this.provider, cause: error });
    }
    // By name: errors from another realm (SDK internals, test sandboxes) fail instanceof.
    if (name === 'SyntaxError' || /JSON/.test(message)) return new ProviderError('malformed', message, { provider: this.provider, cause: error });
    return new ProviderError('network', message, { provider: this.provider, cause: error });
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error && cause.message && !error.message.includes(cause.message) ? `: ${cause.message}` : '';
    return `${error.message}${causeText}`;
  }
  return String(error);
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 ? status : undefined;
}

function headersOf(error: unknown): { get(name: string): string | null } | undefined {
  const headers = (error as { headers?: unknown } | null)?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return headers as Headers;
  const record = headers as Record<string, string>;
  return { get: (name) => record[name] ?? record[name.toLowerCase()] ?? null };
}

/**
 * One non-streaming upstream call (chat, model list, embeddings): `work` runs under the call's
 * signal, whatever it throws comes out as a ProviderError with no key in it, and the deadline
 * timer and caller listener are released on every path. Streams keep this frame in their own
 * generator, since the call lasts as long as the consumer reads.
 */
export async function runUpstream<T>(provider: string, call: ProviderCall, work: (upstream: UpstreamCall) => Promise<T>): Promise<T> {
  const upstream = new UpstreamCall(provider, call);
  try {
    return await work(upstream);
  } catch (error) {
    throw upstream.toProviderError(error);
  } finally {
    upstream.finish();
  }
}

/**
 * `check_api_key` for every adapter: true when `probe` succeeds, false when the provider rejects
 * the key (401/403), and the error itself when the check could not tell (network, 5xx...).
 */
export async function checkApiKeyWith(
  provider: string,
  call: ProviderCall,
  probe: (upstream: UpstreamCall) => Promise<unknown>,
): Promise<boolean | ProviderError> {
  try {
    await runUpstream(provider, call, probe);
    return true;
  } catch (error) {
    const failure = error as ProviderError;
    return failure.kind === 'auth' ? false : failure;
  }
}

/** A ProviderError for a non-2xx HTTP response read with plain fetch (Gemini). */
export async function errorFromResponse(upstream: UpstreamCall, response: Response): Promise<ProviderError> {
  let detail = '';
  let reason = '';
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { error?: { message?: string; status?: string; details?: Array<{ reason?: string }> } };
      detail = body.error?.message ?? text;
      reason = body.error?.details?.map((d) => d.reason ?? '').join(' ') ?? '';
    } catch {
      detail = text;
    }
  } catch {
    // The body is only for the message; the status decides the kind.
  }
  // Gemini answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID: that is an auth failure.
  const kind = response.status === 400 && /API_KEY_INVALID|API key not valid/i.test(`${reason} ${detail}`) ? 'auth' : kindOfStatus(response.status);
  const message = redactSecrets(`${response.status} ${detail.slice(0, 500)}`.trim(), [upstream.call.apiKey]);
  return new ProviderError(kind, message, {
    status: response.status,
    retryAfterMs: retryAfterMsFrom(response.headers),
    provider: upstream.provider,
  });
}
