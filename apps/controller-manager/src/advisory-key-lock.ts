import type { Pool } from 'pg';

const TRY_LOCK_SQL = 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS acquired';
const UNLOCK_SQL = 'SELECT pg_advisory_unlock(hashtextextended($1, 0))';

export type LockedResult<T> = { acquired: true; value: T } | { acquired: false };

/**
 * A Postgres session advisory lock per key, so replicas of the controller-manager never reconcile
 * one resource at the same time. The lock lives on a dedicated pooled client for the duration of
 * the work; if the process dies, Postgres ends the session and the lock with it.
 */
export class AdvisoryKeyLock {
  constructor(private readonly pool: Pool) {}

  /** Runs `work` while holding the key's lock, or returns `{ acquired: false }` at once if it is taken. */
  async withLock<T>(key: string, work: () => Promise<T>): Promise<LockedResult<T>> {
    const client = await this.pool.connect();
    // A client whose lock state is unknown must not go back to the pool (it may still hold a lock).
    let broken: Error | undefined;
    try {
      const { rows } = await client.query<{ acquired: boolean }>(TRY_LOCK_SQL, [key]).catch((error: Error) => {
        broken = error;
        throw error;
      });
      if (!rows[0]?.acquired) return { acquired: false };
      try {
        return { acquired: true, value: await work() };
      } finally {
        await client.query(UNLOCK_SQL, [key]).catch((error: Error) => {
          broken = error;
        });
      }
    } finally {
      client.release(broken);
    }
  }
}
