import type { ControllerLogger } from './controller-logger';
import type { WorkQueue } from './work-queue';

/** What one reconcile asks of the queue. Throwing instead means: retry with backoff. */
export interface ReconcileResult {
  /** Reconcile again after this delay even if nothing changes (e.g. polling an environment). */
  requeueAfterMs?: number;
}

/** A loop outcome that is neither success nor failure (lock busy, write conflict): backoff stays. */
export interface LoopOutcome extends ReconcileResult {
  /** Keep the key's failure count instead of resetting it. @default false */
  keepBackoff?: boolean;
}

export interface ReconcileLoopOptions {
  queue: WorkQueue;
  /** Processes one key; throwing requeues it with exponential backoff. */
  process: (key: string) => Promise<LoopOutcome>;
  /** Keys processed at the same time (never the same key twice). @default 4 */
  concurrency?: number;
  logger?: ControllerLogger;
}

/** The workers of a controller: each takes a key from the queue, processes it, reports back. */
export class ReconcileLoop {
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ReconcileLoopOptions) {}

  start(): void {
    const concurrency = this.options.concurrency ?? 4;
    for (let i = 0; i < concurrency; i++) this.workers.push(this.work());
  }

  /** Shuts the queue down and waits for the reconciles in flight. */
  async stop(): Promise<void> {
    this.options.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    const { queue } = this.options;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const outcome = await this.options.process(key);
        if (!outcome.keepBackoff) queue.forget(key);
        if (outcome.requeueAfterMs !== undefined) queue.addAfter(key, outcome.requeueAfterMs);
      } catch (error) {
        const delayMs = queue.addRateLimited(key);
        this.options.logger?.warn(
          { key, err: error instanceof Error ? { name: error.name, message: error.message } : String(error), retryInMs: delayMs },
          'reconcile failed; retrying with backoff',
        );
      } finally {
        queue.done(key);
      }
    }
  }
}
