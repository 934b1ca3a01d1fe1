import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { EventStore, migrate } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { startPrivatePostgres, type PrivatePostgres } from '@kastra/testing';
import { createResourceStore } from './create-resource-store';
import type { WatchEvent } from './resource-store';

const ctx = { actor: 'user:test' };
const llm = (name: string, labels?: Record<string, string>): Resource => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name, namespace: 'tail', ...(labels ? { labels } : {}) },
  spec: { provider: 'mock', model: 'mock-1' },
});

/** Watches served by the process's shared tail of resource events (a cluster of its own: timings). */
describe('the shared tail of resource events', () => {
  let cluster: PrivatePostgres;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    pool = new Pool({ connectionString: cluster.url, max: 20 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: cluster.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await cluster?.stop();
  });

  /** A watch that records what it gets and when; `stop()` ends it and returns what it got. */
  function watch(from: string | undefined, labelSelector?: string) {
    const abort = new AbortController();
    const got: { event: WatchEvent; at: number }[] = [];
    let onStart!: () => void;
    const started = new Promise<void>((resolve) => (onStart = resolve));
    const watching = (async () => {
      for await (const event of store.watch({ kind: 'LLM', namespace: 'tail', labelSelector }, from, abort.signal, onStart)) got.push({ event, at: Date.now() });
    })();
    return {
      got,
      started,
      versions: () => got.map((g) => g.event.object.metadata.resourceVersion as string),
      async until(count: number) {
        const deadline = Date.now() + 15_000;
        while (got.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      },
      async stop() {
        await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would arrive by now
        abort.abort();
        await watching;
        return got;
      },
    };
  }

  async function logOrder(after: string): Promise<string[]> {
    const { rows } = await pool.query<{ position: string }>(
      `SELECT global_position::text AS position FROM kastra_events WHERE category = 'resource' AND global_position > $1
       ORDER BY kastra_events.transaction_id, kastra_events.global_position`,
      [after],
    );
    return rows.map((r) => r.position);
  }

  it('delivers every change to many watches, each once, in log order, whatever their start', async () => {
    // Given an object, and 30 watches: from now, from "0", from its resourceVersion, with a selector
    const first = await store.create(llm('first'), ctx);
    const fromNow = Array.from({ length: 10 }, () => watch(undefined));
    const fromZero = Array.from({ length: 10 }, () => watch('0'));
    const fromFirst = Array.from({ length: 9 }, () => watch(first.metadata.resourceVersion));
    const labelled = watch(first.metadata.resourceVersion, 'touched=yes');
    await Promise.all([...fromNow, ...fromZero, ...fromFirst, labelled].map((w) => w.started));
    // When 4 writers create and relabel 15 objects each
    await Promise.all(
      Array.from({ length: 4 }, async (_, writer) => {
        for (let i = 0; i < 15; i++) {
          const created = await store.create(llm(`w${writer}-${i}`), ctx);
          await store.update({ ...created, metadata: { ...created.metadata, labels: { touched: 'yes' } } }, ctx);
        }
      }),
    );
    const changes = await logOrder(first.metadata.resourceVersion as string);
    expect(changes).toHaveLength(120);
    // Then each watch has every change after its start, once, in the log's order
    for (const w of fromFirst) {
      await w.until(120);
      await w.stop();
      expect(w.versions()).toEqual(changes);
    }
    for (const w of fromZero) {
      await w.until(121);
      await w.stop();
      expect(w.got[0].event).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'first' } } });
      expect(w.versions().slice(1)).toEqual(changes);
    }
    for (const w of fromNow) {
      await w.until(120);
      await w.stop();
      expect(w.versions()).toEqual(changes);
    }
    await labelled.until(60);
    await labelled.stop();
    expect(labelled.got.map((g) => g.event.type)).toEqual(Array(60).fill('MODIFIED'));
    expect(labelled.versions()).toEqual(changes.filter((version) => labelled.versions().includes(version)));
  });

  it('delivers a change held back by an older transaction within 50 ms of its end', async () => {
    const w = watch(undefined);
    await w.started;
    // Given an open transaction that appends nothing (its end wakes nobody), and a create after it
    const older = await pool.connect();
    await older.query('BEGIN');
    await older.query('SELECT pg_current_xact_id()');
    await store.create(llm('held-back'), ctx);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(w.got).toHaveLength(0);
    // When the older transaction ends
    await older.query('COMMIT');
    const endedAt = Date.now();
    older.release();
    await w.until(1);
    await w.stop();
    // Then the watch has the change within 50 ms (not on its 1 s poll)
    expect(w.got.map((g) => g.event.object.metadata.name)).toEqual(['held-back']);
    expect(w.got[0].at - endedAt).toBeLessThan(50);
  });

  it('gives a watch that fell behind the tail every change in order, from the log', async () => {
    // Given a slow watch that has taken one event, and a fast one
    const from = (await store.create(llm('slow-start'), ctx)).metadata.resourceVersion as string;
    const abort = new AbortController();
    const slow = store.watch({ kind: 'LLM', namespace: 'tail' }, from, abort.signal)[Symbol.asyncIterator]();
    const fast = watch(from);
    await fast.started;
    await store.create(llm('slow-first'), ctx);
    expect((await slow.next()).value?.object.metadata.name).toBe('slow-first');
    // When more changes than the tail keeps are appended while the slow watch takes nothing
    const objects = Array.from({ length: 2100 }, (_, i) => ({
      type: 'ResourceUpdated',
      data: { object: { ...llm('slow-many'), metadata: { ...llm('slow-many').metadata, labels: { n: String(i) } } } },
    }));
    await new EventStore(pool).append('resource:LLM:tail:slow-many', objects);
    await fast.until(2101);
    await fast.stop();
    // Then the slow watch still gets each of them, once, in order (read from the log)
    const labels: string[] = [];
    while (labels.length < 2100) {
      const next = await slow.next();
      if (next.done) break;
      labels.push(next.value.object.metadata.labels?.n ?? '');
    }
    abort.abort();
    await slow.return?.(undefined);
    expect(labels).toEqual(objects.map((_, i) => String(i)));
    expect(fast.got).toHaveLength(2101);
  });
});
