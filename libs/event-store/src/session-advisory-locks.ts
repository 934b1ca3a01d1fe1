import { Client, type ClientConfig, type Pool } from 'pg';

const TRY_LOCK_SQL = 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS acquired';
const UNLOCK_SQL = 'SELECT pg_advisory_unlock(hashtextextended($1, 0))';

export type LockedResult<T> = { acquired: true; value: T } | { acquired: false };

/**
 * Keyed Postgres session advisory locks, so that replicas never work on one key (a run, a
 * resource) at the same time. Every lock of a process lives on ONE dedicated session, not a pool
 * client: holding a pooled client per key while the work needs more clients from the same pool
 * deadlocked the workflow-executor as soon as the keys in flight reached the pool size. A process
 * killed with -9 loses its session and all its locks with it, so another replica takes over at
 * once. If the session breaks while the process lives, `onLost` is told: work under its locks
 * must stop (writes are fenced by stream versions anyway).
 */
export class SessionAdvisoryLocks {
  private client?: Promise<Client>;
  private readonly held = new Set<string>();
  /** pg wants one query at a time per client: lock and unlock calls of every run queue here. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly onLost: (error: unknown) => void,
  ) {}

  async withLock<T>(key: string, work: () => Promise<T>): Promise<LockedResult<T>> {
    // Session locks are re-entrant within a session: a second holder in this process must wait its turn.
    if (this.held.has(key)) return { acquired: false };
    const client = await this.session();
    const { rows } = await this.serial(() => client.query<{ acquired: boolean }>(TRY_LOCK_SQL, [key]));
    if (!rows[0]?.acquired) return { acquired: false };
    this.held.add(key);
    try {
      return { acquired: true, value: await work() };
    } finally {
      this.held.delete(key);
      // A broken session has dropped the lock already; a new one must not be asked to unlock it.
      if (this.client && (await this.client.catch(() => undefined)) === client) {
        await this.serial(() => client.query(UNLOCK_SQL, [key])).catch((error: unknown) => this.lost(client, error));
      }
    }
  }

  private serial<R>(query: () => Promise<R>): Promise<R> {
    const result = this.queue.then(query);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private session(): Promise<Client> {
    this.client ??= (async () => {
      const client = new Client(this.pool.options as ClientConfig);
      client.on('error', (error) => this.lost(client, error));
      client.on('end', () => this.lost(client, new Error('lock session ended')));
      await client.connect();
      return client;
    })();
    const pending = this.client;
    pending.catch(() => {
      if (this.client === pending) this.client = undefined;
    });
    return pending;
  }

  private lost(client: Client, error: unknown): void {
    void this.client?.then(
      (current) => {
        if (current !== client) return;
        this.client = undefined;
        client.end().catch(() => undefined);
        this.onLost(error);
      },
      () => undefined,
    );
  }
}
