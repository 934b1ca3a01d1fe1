import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { createResourceStore } from './create-resource-store';

const ctx = { actor: 'user:test' };
const llm = (namespace: string, name: string, model = 'mock-1'): Resource => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name, namespace },
  spec: { provider: 'mock', model },
});

/**
 * A transaction that stays open anywhere on the server holds the commit-safe head back, while
 * later commits are already visible in the projection. A list must still be exact at its
 * resourceVersion: a watch from it sends each later change once, and no item is newer than it.
 */
describe('a list while an older transaction is open', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  beforeAll(async () => {
    db = await createTestDatabase('listathead');
    pool = db.pool({ max: 10 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** A transaction that has taken a transaction id and stays open until `end()`. */
  async function openTransaction(): Promise<{ end(): Promise<void> }> {
    const client: PoolClient = await pool.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    return {
      async end() {
        await client.query('COMMIT');
        client.release();
      },
    };
  }

  async function watchUntil(namespace: string, from: string, count: number) {
    const stop = new AbortController();
    const seen: { type: string; name: string; model: unknown; resourceVersion: string }[] = [];
    const deadline = setTimeout(() => stop.abort(), 10_000);
    for await (const event of store.watch({ kind: 'LLM', namespace }, from, stop.signal)) {
      const { metadata, spec } = event.object;
      seen.push({ type: event.type, name: metadata.name, model: (spec as { model: unknown }).model, resourceVersion: metadata.resourceVersion as string });
      if (seen.length === count) setTimeout(() => stop.abort(), 300); // anything sent twice arrives by then
    }
    clearTimeout(deadline);
    return seen;
  }

  it('serves objects changed behind the head as they were at the head, and the watch from it sends their changes once', async () => {
    // Given three objects, then a transaction left open
    const ns = 'held';
    await store.create(llm(ns, 'kept'), ctx);
    const changed = await store.create(llm(ns, 'changed'), ctx);
    const removed = await store.create(llm(ns, 'removed'), ctx);
    const blocker = await openTransaction();
    let listed;
    try {
      // When one is created, one updated and one deleted (all committed), and the kind is listed
      await store.create(llm(ns, 'added'), ctx);
      await store.update({ ...changed, spec: { provider: 'mock', model: 'mock-2' } }, ctx);
      await store.delete({ kind: 'LLM', namespace: ns, name: 'removed' }, ctx);
      listed = await store.list({ kind: 'LLM', namespace: ns });
    } finally {
      await blocker.end();
    }
    // Then the list is the state at its resourceVersion: no newer item, the changes not yet in it
    expect(listed.items.map((o) => [o.metadata.name, (o.spec as { model: string }).model])).toEqual([
      ['changed', 'mock-1'],
      ['kept', 'mock-1'],
      ['removed', 'mock-1'],
    ]);
    for (const item of listed.items) expect(BigInt(item.metadata.resourceVersion as string) <= BigInt(listed.resourceVersion)).toBe(true);
    expect(listed.items.find((o) => o.metadata.name === 'removed')?.metadata.uid).toBe(removed.metadata.uid);
    // And a watch from it sends exactly the three changes, once each, in order
    const seen = await watchUntil(ns, listed.resourceVersion, 3);
    expect(seen.map((e) => [e.type, e.name, e.model])).toEqual([
      ['ADDED', 'added', 'mock-1'],
      ['MODIFIED', 'changed', 'mock-2'],
      ['DELETED', 'removed', 'mock-1'],
    ]);
  });

  it('waits for a short transaction to end and then lists the newest state', async () => {
    // Given a transaction that ends 50 ms after a create commits
    const ns = 'brief';
    const blocker = await openTransaction();
    await store.create(llm(ns, 'fresh'), ctx);
    const ending = new Promise((resolve) => setTimeout(resolve, 50)).then(() => blocker.end());
    // When the kind is listed meanwhile
    const listed = await store.list({ kind: 'LLM', namespace: ns });
    await ending;
    // Then the new object is in it, and the list's resourceVersion covers it
    expect(listed.items.map((o) => o.metadata.name)).toEqual(['fresh']);
    expect(BigInt(listed.resourceVersion) >= BigInt(listed.items[0].metadata.resourceVersion as string)).toBe(true);
  });
});
