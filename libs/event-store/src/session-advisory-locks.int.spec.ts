import type { Pool } from 'pg';
import { createTestDatabase, eventually, type TestDatabase } from '@kastra/testing';
import { SessionAdvisoryLocks } from './session-advisory-locks';

describe('SessionAdvisoryLocks (one advisory-lock session per process)', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('runlock');
    pool = db.pool({ max: 2 });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('admits one holder per run across replicas and within one, and takes no pool client while held', async () => {
    // Given two replicas' lock sets on a pool of 2
    const a = new SessionAdvisoryLocks(pool, () => undefined);
    const b = new SessionAdvisoryLocks(pool, () => undefined);
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      // When A holds run r1 (and r2 through r5: more runs than pool clients)
      const first = a.withLock('r1', async () => {
        entered();
        await held;
        return 'done';
      });
      await inside;
      const others = ['r2', 'r3', 'r4', 'r5'].map((key) => a.withLock(key, async () => (await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one));
      // Then the pool still serves the runs' own queries
      expect(await Promise.all(others)).toEqual([1, 1, 1, 1].map((value) => ({ acquired: true, value })));
      // And neither B nor A itself can take r1 meanwhile
      expect(await b.withLock('r1', async () => 'b')).toEqual({ acquired: false });
      expect(await a.withLock('r1', async () => 'again')).toEqual({ acquired: false });
      release();
      expect(await first).toEqual({ acquired: true, value: 'done' });
      // When A is done, B takes it
      expect(await b.withLock('r1', async () => 'b')).toEqual({ acquired: true, value: 'b' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('frees the locks when the session dies and tells the replica', async () => {
    // Given A holding r1 on its session
    let lost = 0;
    const a = new SessionAdvisoryLocks(pool, () => lost++);
    const b = new SessionAdvisoryLocks(pool, () => undefined);
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = a.withLock('r1', () => held);
      const heldHere = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      await eventually(async () => (await pool.query(heldHere)).rowCount === 1, 5000, 20);
      // When its session is killed (as when the process dies)
      await pool.query(`SELECT pg_terminate_backend(pid) FROM (${heldHere}) AS held`);
      // Then A is told, and B can take the run at once
      await eventually(async () => lost === 1, 5000, 20);
      expect(await b.withLock('r1', async () => 'b')).toEqual({ acquired: true, value: 'b' });
      release();
      await first;
      // And A opens a new session for its next run
      expect(await a.withLock('r2', async () => 'a')).toEqual({ acquired: true, value: 'a' });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
