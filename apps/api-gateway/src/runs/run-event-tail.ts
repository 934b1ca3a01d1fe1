import type { Pool } from 'pg';
import { categoryOf, readStream, type EventNotifier, type RecordedEvent } from '@kastra/event-store';

/** The events after which a run's stream gets nothing more. */
export const TERMINAL_RUN_EVENTS: ReadonlySet<string> = new Set(['RunSucceeded', 'RunFailed', 'RunCancelled']);

/** `run:<namespace>:<name>:<uid>` — the executor's stream of one run (apps/workflow-executor run-events.ts). */
export function runStreamIdOf(namespace: string, name: string, uid: string): string {
  return `run:${namespace}:${name}:${uid}`;
}

export interface RunEventTailOptions {
  pool: Pool;
  notifier: EventNotifier;
  streamId: string;
  /** Stream version already seen (0 = from the start; an SSE client's Last-Event-ID). */
  afterVersion?: number;
  signal: AbortSignal;
  /** How long to sleep when no append woke us (a lost NOTIFY only delays). @default 2000 */
  pollMs?: number;
  /** Called on idle polls; returning false ends the tail (the run was deleted). */
  stillThere?: () => Promise<boolean>;
  /** false: end after the events recorded so far instead of waiting for more. @default true */
  follow?: boolean;
}

/**
 * A run's events from `afterVersion`, then live, until the terminal event or `signal`.
 * Stream versions are gapless in commit order (an append takes MAX+1 under a unique
 * constraint), so reading "after the last version seen" misses nothing.
 */
export async function* tailRunEvents(options: RunEventTailOptions): AsyncGenerator<RecordedEvent> {
  let after = options.afterVersion ?? 0;
  const pollMs = options.pollMs ?? 2000;
  while (!options.signal.aborted) {
    const events = await readStream(options.pool, options.streamId, after);
    for (const event of events) {
      after = event.streamVersion;
      yield event;
      if (TERMINAL_RUN_EVENTS.has(event.type)) return;
    }
    if (events.length > 0) continue;
    if (options.follow === false) return;
    if (options.stillThere && !(await options.stillThere())) return;
    await options.notifier.wait(options.signal, pollMs, new Set([categoryOf(options.streamId)]));
  }
}
