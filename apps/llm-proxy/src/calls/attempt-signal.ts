import { Cancellation, type CancelSignal, isProviderError, ProviderError, redactSecrets } from '@kastra/llm';

/**
 * The cancel signal of one upstream attempt: aborted when the client goes away or when the
 * attempt's deadline passes (re-armed per chunk for streams), so the upstream request is always
 * cancelled and never left running. A `Cancellation`, not an AbortController: Node promotes every
 * AbortSignal to the old generation, and one per call kept the proxy's major GCs coming (the SDK
 * paths still get a real AbortSignal from the adapter's UpstreamCall, made on demand).
 */
export class AttemptSignal {
  private readonly cancellation = new Cancellation();
  private timer: NodeJS.Timeout | undefined;
  private timeoutMs = 0;
  timedOut = false;

  constructor(private readonly clientSignal: CancelSignal, timeoutMs: number) {
    if (clientSignal.aborted) this.cancellation.abort(clientSignal.reason);
    else clientSignal.addEventListener('abort', this.onClientAbort, { once: true });
    this.arm(timeoutMs);
  }

  get signal(): CancelSignal {
    return this.cancellation;
  }

  get clientGone(): boolean {
    return this.clientSignal.aborted;
  }

  /** Starts (or restarts) the deadline: the whole call, the first chunk, or the gap to the next chunk. */
  arm(timeoutMs: number): void {
    clearTimeout(this.timer);
    this.timeoutMs = timeoutMs;
    if (timeoutMs <= 0) return;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.cancellation.abort(new Error('upstream deadline passed'));
    }, timeoutMs);
  }

  /** Cancels the upstream request (e.g. after the stream errored on our side). */
  abort(): void {
    this.cancellation.abort(new Error('cancelled by the proxy'));
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.clientSignal.removeEventListener('abort', this.onClientAbort);
  }

  /**
   * What an attempt's failure was: the client leaving and our own deadline win over whatever the
   * adapter reported for the abort; the message never contains `apiKey`.
   */
  classify(error: unknown, provider: string, apiKey?: string): ProviderError {
    if (this.clientGone) return new ProviderError('cancelled', 'the client closed the connection', { provider });
    if (this.timedOut) return new ProviderError('timeout', `the upstream did not answer within ${this.timeoutMs} ms`, { provider });
    if (isProviderError(error)) {
      if (!apiKey || !error.message.includes(apiKey)) return error;
      return new ProviderError(error.kind, redactSecrets(error.message, [apiKey]), { status: error.status, retryAfterMs: error.retryAfterMs, provider });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderError('network', redactSecrets(`upstream call failed: ${message}`, [apiKey]), { provider });
  }

  private readonly onClientAbort = () => this.cancellation.abort(this.clientSignal.reason);
}
