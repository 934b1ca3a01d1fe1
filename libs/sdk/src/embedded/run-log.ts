import type { Resource } from '@kastra/api';
import type { RunKind } from '@kastra/run-engine';

/** A run event as read back from a kept log: its type, its data and when it was recorded. */
export interface RecordedRunEvent {
  type: string;
  data: unknown;
  at: string;
}

/**
 * Where the runs' events are kept beyond this process, in the streams the executors write. Without
 * one the log of a run lives only in memory.
 */
export interface RunLog {
  /** Appends to the run's stream, which must be at `expectedVersion` (its number of events so far). */
  append(kind: RunKind, run: Resource, events: ReadonlyArray<{ type: string; data: unknown }>, expectedVersion: number): Promise<void>;
  /** The run's events, oldest first. */
  read(kind: RunKind, run: Resource): Promise<RecordedRunEvent[]>;
}
