import type { CancelSignal } from '@kastra/llm';

/** Who calls, and the signal that fires when they go away. */
export interface CallContext {
  /** The principal's `sub`. */
  user: string;
  /** Aborted when the client disconnects: the upstream call is cancelled with it. */
  signal: CancelSignal;
  traceparent?: string;
  /** The caller's key of this call, the same when it calls again for the same work: sent upstream as `Idempotency-Key`. */
  idempotencyKey?: string;
  /** The uid of the run (WorkflowRun, NetworkRun) the call is made for: kept on its usage event. */
  runUid?: string;
  /** Started when the request reached the proxy; the pipeline adds upstream waits to it. */
  clock: CallClock;
}

/** Time spent waiting on upstreams during one call; the rest is the proxy's overhead. */
export interface CallClock {
  /** `performance.now()` when the request reached the proxy. */
  startedAt: number;
  upstreamMs: number;
}

export function startClock(): CallClock {
  return { startedAt: performance.now(), upstreamMs: 0 };
}

/** Milliseconds the proxy itself spent on a call so far (everything but upstream waits). */
export function proxyOverheadMs(clock: CallClock): number {
  return Math.max(0, performance.now() - clock.startedAt - clock.upstreamMs);
}

/** Header carrying the proxy's own overhead, on every response. */
export const OVERHEAD_HEADER = 'X-Kastra-Proxy-Overhead-Ms';
