import type { Resource, ResourceKey } from '@kastra/api';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';
import type { RunState } from './run-state';
import { runStatus } from './run-status';

/**
 * Writes a run's status projection off the run's critical path. A status write is a resource
 * write (a transaction, a resource event relayed to every watcher): measured at ~5x an append, it
 * was most of a step's cost when each transition waited for it. Now the run goes on while one
 * write is in flight; states offered meanwhile coalesce and only the latest is written next.
 * The status is a pure projection of the stream, so skipping intermediate states loses nothing.
 * `flush()` before the run's lock is released: the next owner starts from a written status, and
 * a failed write surfaces there (the run is then advanced again, which rewrites it).
 */
export class StatusWriter {
  private latest?: RunState;
  private writing?: Promise<void>;
  private failure?: unknown;
  private current: Resource['status'];

  constructor(
    private readonly store: ResourceStore,
    private readonly key: ResourceKey,
    run: Resource,
    private readonly ctx: WriteContext,
  ) {
    this.current = run.status;
  }

  /** The run is at `state`: its status will be written soon (or a newer one instead). */
  offer(state: RunState): void {
    this.latest = state;
    this.writing ??= this.drain();
  }

  /** Waits until the latest offered state is written; throws the first failed write. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }

  private async drain(): Promise<void> {
    // Yield first: `writing` is assigned before the loop can end and clear it.
    await null;
    try {
      while (this.latest) {
        const state = this.latest;
        this.latest = undefined;
        const status = runStatus(state, this.current?.conditions);
        if (JSON.stringify(status) === JSON.stringify(this.current ?? {})) continue;
        try {
          this.current = (await this.store.updateStatus(this.key, status, this.ctx)).status;
        } catch (error) {
          this.failure ??= error;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
