import type { Pool } from 'pg';
import { categoryOf, readStream, type EventNotifier, type RecordedEvent } from '@kastra/event-store';
import { runStreamIdOf as runKindStreamIdOf, type RunKind } from '@kastra/run-engine';

/** What the run endpoints need to know of a run kind: its resource and the events that end its stream. */
export interface RunKindStream {
  kind: RunKind;
  plural: string;
  /** The events after which a run's stream gets nothing more. */
  terminalEvents: ReadonlySet<string>;
}

export const WORKFLOW_RUN_STREAM: RunKindStream = { kind: 'WorkflowRun', plural: 'workflowruns', terminalEvents: new Set(['RunSucceeded', 'RunFailed', 'RunCancelled']) };
export const NETWORK_RUN_STREAM: RunKindStream = {
  kind: 'NetworkRun',
  plural: 'networkruns',
  terminalEvents: new Set(['NetworkRunSucceeded', 'NetworkRunFailed', 'NetworkRunCancelled']),
};

/** The events after which a workflow run's stream gets nothing more. */
export const TERMINAL_RUN_EVENTS: ReadonlySet<string> = WORKFLOW_RUN_STREAM.terminalEvents;

/** `run:<namespace>:<name>:<uid>` — the workflow-executor's stream of one run. */
export function runStreamIdOf(namespace: string, name: string, uid: string): string {
  return runKindStreamIdOf('WorkflowRun', namespace, name, uid);
}

/** The stream of one run of any kind (`run:…` for workflow runs, `networkrun:…` for network runs). */
export function streamIdOfRun(stream: RunKindStream, namespace: string, name: string, uid: string): string {
  return runKindStreamIdOf(stream.kind, namespace, name, uid);
}

export interface RunEventTailOptions {
  pool: Pool;
  notifier: EventNotifier;
  streamId: string;
  /** Events that end the tail. @default TERMINAL_RUN_EVENTS (a workflow run's) */
  terminalEvents?: ReadonlySet<string>;
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
  const terminal = options.terminalEvents ?? TERMINAL_RUN_EVENTS;
  while (!options.signal.aborted) {
    const events = await readStream(options.pool, options.streamId, after);
    for (const event of events) {
      after = event.streamVersion;
      yield event;
      if (terminal.has(event.type)) return;
    }
    if (events.length > 0) continue;
    if (options.follow === false) return;
    if (options.stillThere && !(await options.stillThere())) return;
    await options.notifier.wait(options.signal, pollMs, new Set([categoryOf(options.streamId)]));
  }
}
