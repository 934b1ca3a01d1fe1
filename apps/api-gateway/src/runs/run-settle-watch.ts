import { NotFoundError, type Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';

export interface SettleWatchOptions {
  /** The run's plural and its name in prose (`workflow run`), for the NotFound of a run deleted while waited on. */
  plural: string;
  noun: string;
  /** True when the run will not change without someone acting (it ended, or suspended). */
  isSettled: (run: Resource) => boolean;
  timeoutMs: number;
  /** Any of them aborting (the caller hung up, the gateway shuts down) stops the wait. */
  signals: AbortSignal[];
  /**
   * Hints that the run may have changed (an executor's advance ended): the run is then read at
   * once rather than when the log reaches the watch. Returns how to stop listening.
   */
  nudges?: (onNudge: () => void) => () => void;
}

/**
 * Watches a run from its creation (so no change is missed) until it settles, time runs out or
 * one of `signals` aborts; `done` false means it has not settled (the run as last seen).
 */
export async function waitUntilSettled(store: ResourceStore, run: Resource, options: SettleWatchOptions): Promise<{ done: boolean; run: Resource }> {
  const stop = new AbortController();
  const abort = () => stop.abort();
  for (const signal of options.signals) signal.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, options.timeoutMs);
  let latest = run;
  // Settled as read after a nudge: the watch is stopped and this is the answer.
  let nudged: Resource | undefined;
  const key = { kind: run.kind, namespace: run.metadata.namespace ?? 'default', name: run.metadata.name };
  const stopNudges = options.nudges?.(() => {
    store.get(key).then(
      (current) => {
        if (!current || current.metadata.uid !== run.metadata.uid || !options.isSettled(current) || stop.signal.aborted) return;
        nudged = current;
        stop.abort();
      },
      () => undefined,
    );
  });
  try {
    if (options.signals.some((signal) => signal.aborted)) return { done: false, run: latest };
    const query = { kind: run.kind, namespace: run.metadata.namespace, fieldSelector: `metadata.name=${run.metadata.name}` };
    for await (const event of store.watch(query, run.metadata.resourceVersion, stop.signal)) {
      if (nudged) break;
      if (event.object.metadata.uid !== run.metadata.uid) continue;
      if (event.type === 'DELETED') throw new NotFoundError(options.plural, run.metadata.name, `${options.noun} ${run.metadata.name} was deleted before it finished`);
      latest = event.object;
      if (options.isSettled(latest)) return { done: true, run: latest };
    }
    if (nudged) return { done: true, run: nudged };
    return { done: false, run: latest };
  } finally {
    stopNudges?.();
    clearTimeout(timer);
    for (const signal of options.signals) signal.removeEventListener('abort', abort);
  }
}
