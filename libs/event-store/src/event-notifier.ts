import { Client } from 'pg';
import { EVENTS_APPENDED_CHANNEL } from './append-to-stream';

/**
 * Wakes log tailers when any process commits an append (Postgres LISTEN/NOTIFY). Tailers still
 * poll on a timeout, so a lost notification only delays them.
 */
export class EventNotifier {
  private client?: Client;
  private waiters = new Map<() => void, ReadonlySet<string> | undefined>();
  private stopped = false;

  constructor(private readonly databaseUrl: string) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => this.wake(message.payload));
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
    this.wake(undefined);
    await this.client?.end().catch(() => undefined);
  }

  /**
   * Resolves on the next append (of one of `categories`, when given), after `timeoutMs`, or when
   * `signal` aborts. A tailer of resource events is not woken by each usage or run append.
   */
  wait(signal: AbortSignal, timeoutMs: number, categories?: ReadonlySet<string>): Promise<void> {
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

  /** Wakes the waiters of `category`; an unknown category (or none: stopping) wakes every one. */
  private wake(category: string | undefined): void {
    for (const [wake, categories] of [...this.waiters]) {
      if (!category || !categories || categories.has(category)) wake();
    }
  }
}
