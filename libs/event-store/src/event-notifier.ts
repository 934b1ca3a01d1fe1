import { Client } from 'pg';
import { decodeAppendWake, EVENTS_APPENDED_CHANNEL, onLocalAppend, PROCESS_WAKE_ID } from './commit-wakes';

/** What `mark()` returns: pass it to `wait` so a wake between the two is not missed. */
export type WakeMark = number;

/**
 * Wakes log tailers when an append commits: those of this process at once (commit-wakes.ts), those
 * of other processes by Postgres LISTEN/NOTIFY. Tailers still poll on a timeout, so a lost
 * notification only delays them.
 */
export class EventNotifier {
  private client?: Client;
  private waiters = new Map<() => void, ReadonlySet<string> | undefined>();
  private stopped = false;
  private unsubscribeLocal?: () => void;
  /** Wakes counted, and the count at the latest wake of each category (and of "any"). */
  private wakes = 0;
  private lastWakeOf = new Map<string, number>();
  private lastWakeOfAll = 0;

  constructor(private readonly databaseUrl: string) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    this.unsubscribeLocal ??= onLocalAppend((categories) => this.wake(categories));
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      const wake = decodeAppendWake(message.payload);
      if (wake.from !== PROCESS_WAKE_ID) this.wake(wake.categories);
    });
    client.on('error', () => {
      this.client = undefined;
      if (!this.stopped) setTimeout(() => void this.start().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENTS_APPENDED_CHANNEL}`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeLocal?.();
    this.wake(undefined);
    await this.client?.end().catch(() => undefined);
  }

  /** Taken before reading the log: `wait(…, mark)` then returns at once if a wake came since. */
  mark(): WakeMark {
    return this.wakes;
  }

  /**
   * Resolves on the next append (of one of `categories`, when given), after `timeoutMs`, or when
   * `signal` aborts — at once when such an append was signalled after `since`. A tailer of
   * resource events is not woken by each usage or run append.
   */
  wait(signal: AbortSignal, timeoutMs: number, categories?: ReadonlySet<string>, since?: WakeMark): Promise<void> {
    if (since !== undefined && this.wokenSince(since, categories)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      this.waiters.set(done, categories);
    });
  }

  private wokenSince(mark: WakeMark, categories: ReadonlySet<string> | undefined): boolean {
    if (this.lastWakeOfAll > mark) return true;
    if (!categories) return this.wakes > mark;
    for (const category of categories) if ((this.lastWakeOf.get(category) ?? 0) > mark) return true;
    return false;
  }

  /** Wakes the waiters of `categories`; none (unknown, or stopping) wakes every one. */
  private wake(categories: ReadonlySet<string> | undefined): void {
    this.wakes += 1;
    if (!categories) this.lastWakeOfAll = this.wakes;
    else for (const category of categories) this.lastWakeOf.set(category, this.wakes);
    for (const [wake, wanted] of [...this.waiters]) {
      if (!categories || !wanted || [...categories].some((c) => wanted.has(c))) wake();
    }
  }
}
