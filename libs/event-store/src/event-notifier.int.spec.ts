import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { appendToStream } from './append-to-stream';
import { EVENTS_APPENDED_CHANNEL } from './commit-wakes';
import { EventNotifier } from './event-notifier';
import { EventStore } from './event-store';
import { migrate } from './event-store-schema';

describe('EventNotifier', () => {
  let db: TestDatabase;
  let pool: Pool;
  let notifier: EventNotifier;

  beforeAll(async () => {
    db = await createTestDatabase('notifier');
    pool = db.pool();
    await migrate(pool);
    notifier = new EventNotifier(db.url);
    await notifier.start();
  });
  afterAll(async () => {
    await notifier?.stop();
    await db?.drop();
  });

  /** How long a wait took, in ms, while `append` runs 100 ms into it. */
  async function waitedFor(categories: ReadonlySet<string> | undefined, append: () => Promise<unknown>): Promise<number> {
    const started = Date.now();
    const waiting = notifier.wait(new AbortController().signal, 3000, categories);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await append();
    await waiting;
    return Date.now() - started;
  }

  it('wakes a waiter for its categories at once, and only for them', async () => {
    const store = new EventStore(pool);
    // Given a waiter for resource appends: a usage append does not wake it (it sleeps its 3 s)
    expect(await waitedFor(new Set(['resource']), () => store.append('usage:2026-12-05', [{ type: 'Called', data: {} }]))).toBeGreaterThanOrEqual(2900);
    // And a resource append does, long before its timeout
    expect(await waitedFor(new Set(['resource']), () => store.append('resource:LLM:default:a', [{ type: 'Created', data: {} }]))).toBeLessThan(1500);
    // And a waiter for everything wakes on any append
    expect(await waitedFor(undefined, () => store.append('usage:2026-12-05', [{ type: 'Called', data: {} }]))).toBeLessThan(1500);
  });

  /** Resolves to true if the wait ended before `ms` (woken), false on its timeout. */
  function wokenWithin(ms: number, categories: ReadonlySet<string>, since?: number): Promise<boolean> {
    const started = Date.now();
    return notifier.wait(new AbortController().signal, ms, categories, since).then(() => Date.now() - started < ms - 5);
  }

  it('wakes after the transaction of an append commits, not before, and not on a rollback', async () => {
    const store = new EventStore(pool);
    const category = new Set(['aftercommit']);
    // Given an append inside a transaction that stays open for 300 ms
    let woken = false;
    let started = 0;
    const waiting = wokenWithin(3000, category).then((w) => {
      woken = w;
      return Date.now();
    });
    const committedAt = await store.transaction(async (client) => {
      await appendToStream(client, 'aftercommit:a', [{ type: 'A', data: {} }]);
      started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Then nobody is woken while it is open
      expect(woken).toBe(false);
      return Date.now();
    });
    // And the waiter wakes once it has committed, at once (in process, no round trip)
    const wokeAt = await waiting;
    expect(woken).toBe(true);
    expect(wokeAt - started).toBeGreaterThanOrEqual(290);
    expect(wokeAt - committedAt).toBeLessThan(100);
    // When a transaction with an append rolls back, then nobody is woken
    const afterRollback = wokenWithin(600, category);
    await store
      .transaction(async (client) => {
        await appendToStream(client, 'aftercommit:b', [{ type: 'B', data: {} }]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await afterRollback).toBe(false);
  });

  it('wakes on notifications of other processes, and does not miss a wake between mark and wait', async () => {
    const category = new Set(['elsewhere']);
    // Given a notification sent by another process (its id is not ours), then an older plain one
    const fromElsewhere = wokenWithin(3000, category);
    await pool.query('SELECT pg_notify($1, $2)', [EVENTS_APPENDED_CHANNEL, JSON.stringify({ from: 'another-process', categories: ['elsewhere'] })]);
    expect(await fromElsewhere).toBe(true);
    const plain = wokenWithin(3000, category);
    await pool.query('SELECT pg_notify($1, $2)', [EVENTS_APPENDED_CHANNEL, 'elsewhere']);
    expect(await plain).toBe(true);
    // When a wake comes after a tailer's mark but before it waits, then its wait returns at once
    const mark = notifier.mark();
    await new EventStore(pool).append('elsewhere:x', [{ type: 'X', data: {} }]);
    expect(await wokenWithin(3000, category, mark)).toBe(true);
    // And a wake of another category since the mark does not count
    const mark2 = notifier.mark();
    await new EventStore(pool).append('unrelated:x', [{ type: 'X', data: {} }]);
    expect(await wokenWithin(300, category, mark2)).toBe(false);
  });
});
