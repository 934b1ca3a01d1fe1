import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { advanceTransactionIdTo, DIGIT_BOUNDARY, startPrivatePostgres, type PrivatePostgres } from '@kastra/testing';
import { createResourceStore } from './create-resource-store';

const ctx = { actor: 'user:test' };
const llm = (name: string): Resource => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name, namespace: 'digits' },
  spec: { provider: 'mock', model: 'mock-1' },
});

describe('lists and watches across a digit boundary (a cluster of its own, ids moved to 10^7)', () => {
  let cluster: PrivatePostgres;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  beforeAll(async () => {
    cluster = await startPrivatePostgres({ nextTransactionIdNear: DIGIT_BOUNDARY - 20_000 });
    pool = new Pool({ connectionString: cluster.url, max: 20 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: cluster.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await cluster?.stop();
  });

  /** A watch that collects resourceVersions; `until(n)` waits for n (and a little more), then stops it. */
  function watchAll(from: string | undefined) {
    const stop = new AbortController();
    const versions: string[] = [];
    const watching = (async () => {
      for await (const event of store.watch({ kind: 'LLM', namespace: 'digits' }, from, stop.signal)) {
        versions.push(event.object.metadata.resourceVersion as string);
      }
    })();
    return {
      async until(count: number): Promise<string[]> {
        const deadline = Date.now() + 15_000;
        while (versions.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would arrive by now
        stop.abort();
        await watching;
        return versions;
      },
    };
  }

  it('a watch from an old resourceVersion sees every change once, in log order, and a list is never older than its items', async () => {
    // Given one object, and the next transaction id and position just below 10^7
    const first = await store.create(llm('before'), ctx);
    await advanceTransactionIdTo(pool, BigInt(DIGIT_BOUNDARY - 150));
    await pool.query(`SELECT setval('kastra_events_global_position_seq', $1)`, [DIGIT_BOUNDARY - 80]);
    // And a watch from that object's resourceVersion, running while the writers write
    const live = watchAll(first.metadata.resourceVersion);
    // When 8 writers create and relabel 20 objects each, across the boundary
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        for (let i = 0; i < 20; i++) {
          const created = await store.create(llm(`w${writer}-${i}`), ctx);
          await store.update({ ...created, metadata: { ...created.metadata, labels: { touched: 'yes' } } }, ctx);
        }
      }),
    );
    // Then the watch gets all 320 changes, each once, in the log's numeric order
    const { rows } = await pool.query<{ position: string; transaction: string }>(
      `SELECT global_position::text AS position, transaction_id::text AS transaction FROM kastra_events
       WHERE global_position > $1 ORDER BY kastra_events.transaction_id, kastra_events.global_position`,
      [first.metadata.resourceVersion],
    );
    expect(rows).toHaveLength(320);
    expect(rows.some((r) => BigInt(r.transaction) >= BigInt(DIGIT_BOUNDARY)) && BigInt(rows[0].transaction) < BigInt(DIGIT_BOUNDARY)).toBe(true);
    expect(rows.some((r) => BigInt(r.position) >= BigInt(DIGIT_BOUNDARY)) && BigInt(rows[0].position) < BigInt(DIGIT_BOUNDARY)).toBe(true);
    expect(await live.until(rows.length)).toEqual(rows.map((r) => r.position));
    // And so does a watch started afterwards from the same old resourceVersion (one backlog batch)
    expect(await watchAll(first.metadata.resourceVersion).until(rows.length)).toEqual(rows.map((r) => r.position));
    // And a list's resourceVersion is at or after every item's
    const list = await store.list({ kind: 'LLM', namespace: 'digits' });
    expect(list.items).toHaveLength(161);
    const newest = list.items.reduce((max, o) => (BigInt(o.metadata.resourceVersion as string) > max ? BigInt(o.metadata.resourceVersion as string) : max), 0n);
    expect(BigInt(list.resourceVersion) >= newest).toBe(true);
  });
});
