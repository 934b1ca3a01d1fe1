export interface WorkQueueOptions {
  /** Delay before the first retry of a failing key. @default 200 ms */
  baseDelayMs?: number;
  /** Each further failure multiplies the delay by this. @default 2 */
  factor?: number;
  /** Upper bound of the retry delay. @default 60 s */
  maxDelayMs?: number;
  /** Called whenever the number of keys waiting to be processed changes (for a gauge). */
  onDepthChange?: (depth: number) => void;
}

/**
 * A rate-limited work queue after client-go's: a key waiting in the queue is stored once however
 * often it is added; a key being processed is never handed out again until `done`, and a key added
 * meanwhile is handed out right after; failing keys come back with per-key exponential backoff
 * until `forget`.
 */
export class WorkQueue {
  private readonly baseDelayMs: number;
  private readonly factor: number;
  private readonly maxDelayMs: number;
  private readonly queue: string[] = [];
  /** Keys that need processing (queued, or added again while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.factor = options.factor ?? 2;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  /** Keys waiting to be handed out. */
  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // handed out again by done()
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.depthChanged();
  }

  /** Adds the key once `delayMs` has passed; an earlier pending delay for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.delayed.set(key, { at, timer });
  }

  /** Adds the key after its backoff (base × factor^(failures−1), capped); returns the delay. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * Math.pow(this.factor, failures - 1));
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How often the key has failed in a row. */
  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, waiting for one; `undefined` once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.depthChanged();
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stops handing out keys: waiting `get()` calls resolve `undefined`, delayed adds are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    this.queue.length = 0;
    this.dirty.clear();
    this.depthChanged();
  }

  private depthChanged(): void {
    this.options.onDepthChange?.(this.queue.length);
  }
}
