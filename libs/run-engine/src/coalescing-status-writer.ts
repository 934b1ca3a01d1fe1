import type { Condition, Resource, ResourceKey, ResourceStatus } from '@kastra/api';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';

/** A run's status as a projection of its folded state (`previous`: the conditions written before, for transition times). */
export type StatusProjection<S> = (state: S, previous: readonly Condition[] | undefined) => ResourceStatus | Promise<ResourceStatus>;

export interface CoalescingStatusWriterOptions {
  /**
   * How long an offered state may wait before it is written while the run is held (`flush()`
   * writes at once). States offered meanwhile coalesce: a run that ends within this time has
   * only its final status written. @default 0 (at once)
   */
  delayMs?: number;
}

/**
 * Writes a run's status projection off the run's critical path. A status write is a resource
 * write (a transaction of ~9 statements, a resource event relayed to every watcher): measured at
 * ~5x an append, it was most of a step's cost when each transition waited for it. Now the run
 * goes on while one write is in flight or waits out `delayMs`; states offered meanwhile coalesce
 * and only the latest is written next. The status is a pure projection of the stream, so
 * skipping intermediate states loses nothing. `flush()` before the run's lock is released: the
 * next owner starts from a written status, and a failed write surfaces there (the run is then
 * advanced again, which rewrites it).
 */
export class CoalescingStatusWriter<S> {
  private latest?: S;
  private writing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;
  /** A flush is waiting: no more pauses. */
  private flushing = false;
  private failure?: unknown;
  private current: Resource['status'];

  constructor(
    private readonly store: ResourceStore,
    private readonly key: ResourceKey,
    run: Resource,
    private readonly ctx: WriteContext,
    private readonly project: StatusProjection<S>,
    private readonly options: CoalescingStatusWriterOptions = {},
  ) {
    this.current = run.status;
  }

  /** The run is at `state`: its status will be written soon (or a newer one instead). */
  offer(state: S): void {
    this.latest = state;
    this.writing ??= this.drain();
  }

  /** Waits until the latest offered state is written; throws the first failed write. */
  async flush(): Promise<void> {
    this.flushing = true;
    this.wake?.();
    try {
      while (this.writing) await this.writing;
    } finally {
      this.flushing = false;
    }
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }

  private async drain(): Promise<void> {
    // Yield first: `writing` is assigned before the loop can end and clear it.
    await null;
    try {
      while (this.latest !== undefined) {
        await this.pause();
        const state = this.latest;
        this.latest = undefined;
        try {
          const status = await this.project(state, this.current?.conditions);
          if (JSON.stringify(status) === JSON.stringify(this.current ?? {})) continue;
          this.current = (await this.store.updateStatus(this.key, status, this.ctx)).status;
        } catch (error) {
          this.failure ??= error;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Waits `delayMs`, or less when `flush()` is called meanwhile. */
  private pause(): Promise<void> {
    const delayMs = this.options.delayMs ?? 0;
    if (delayMs <= 0 || this.flushing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.timer = setTimeout(done, delayMs);
    });
  }
}
