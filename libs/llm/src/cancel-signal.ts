/**
 * What cancels an upstream call: the part of `AbortSignal` the adapters' own HTTP path uses. A
 * real AbortSignal fits; so does a `Cancellation`, which is much cheaper to keep per call.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A one-shot CancelSignal (and its controller) without Node's AbortSignal. Node 20 promotes every
 * AbortSignal to the old generation however short its life (measured: a 200 ms AbortController
 * reaches the old generation, a plain EventTarget does not), so a service making one or two per
 * call — the llm-proxy did — keeps feeding major GCs. Where an SDK or `fetch` needs a real
 * AbortSignal, `UpstreamCall.signal` makes one, only then.
 */
export class Cancellation implements CancelSignal {
  private cancelled = false;
  private why: unknown;
  private listeners: Array<() => void> = [];

  get aborted(): boolean {
    return this.cancelled;
  }

  get reason(): unknown {
    return this.why;
  }

  /** `once` or not, a listener is called at most once: a Cancellation aborts once. */
  addEventListener(type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (type === 'abort' && !this.cancelled) this.listeners.push(listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    const index = type === 'abort' ? this.listeners.indexOf(listener) : -1;
    if (index >= 0) this.listeners.splice(index, 1);
  }

  /** Cancels and tells every listener once; later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.why = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        // As EventTarget does: a throwing listener does not stop the others; its error surfaces.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}
