import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
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
});
