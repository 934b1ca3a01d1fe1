import type { Pool } from 'pg';

const TRY_LOCK_SQL = 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS acquired';
const UNLOCK_SQL = 'SELECT pg_advisory_unlock(hashtextextended($1, 0))';

export type LockedResult<T> = { acquired: true; value: T } | { acquired: false };

/**
 * One replica advances a run at a time: a Postgres session advisory lock per run, held on a
 * dedicated client while the run is advanced. A replica killed with -9 loses its session and the
 * lock with it, so another replica can take the run over at once.
 */
export async function withRunLock<T>(pool: Pool, key: string, work: () => Promise<T>): Promise<LockedResult<T>> {
  const client = await pool.connect();
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
    // A client whose lock state is unknown must not go back to the pool.
    client.release(broken);
  }
}
