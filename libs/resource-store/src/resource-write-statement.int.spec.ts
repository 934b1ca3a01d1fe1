import type { Pool } from 'pg';
import { AlreadyExistsError, ConflictError, type Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { createResourceStore } from './create-resource-store';
import { rebuildResourceProjection } from './rebuild-resource-projection';

/** The one-statement write (resource-write-statement.ts) keeps the read model and its indexes exactly as the log says. */
describe('resource writes in one statement', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  const ctx = { actor: 'user:alice', principal: { sub: 'alice', groups: ['team'] } };

  const agent = (name: string, llm: string, owner?: { name: string; uid: string }): Resource => ({
    apiVersion: 'mastra.ai/v1',
    kind: 'Agent',
    metadata: {
      name,
      namespace: 'default',
      ...(owner ? { ownerReferences: [{ apiVersion: 'mastra.ai/v1', kind: 'System', name: owner.name, uid: owner.uid, controller: true }] } : {}),
    },
    spec: { instructions: 'hi', model: { ref: llm } },
  });
  const key = (name: string) => ({ kind: 'Agent', namespace: 'default', name });
  const references = async (name: string) =>
    (await pool.query(`SELECT to_name, field FROM kastra_resource_references WHERE from_kind = 'Agent' AND from_name = $1 ORDER BY 1, 2`, [name])).rows;
  const owners = async (name: string) => (await pool.query(`SELECT owner_uid FROM kastra_resource_owners WHERE kind = 'Agent' AND name = $1 ORDER BY 1`, [name])).rows.map((r) => r.owner_uid);

  beforeAll(async () => {
    db = await createTestDatabase('resource_writes');
    pool = db.pool();
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('moves references and owners with the object and drops them with its deletion', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const created = await store.create(agent('a', 'llm-1', { name: 'sys-1', uid: first }), ctx);
    expect(await references('a')).toEqual([{ to_name: 'llm-1', field: 'spec.model.ref' }]);
    expect(await owners('a')).toEqual([first]);

    await store.update({ ...agent('a', 'llm-2', { name: 'sys-2', uid: second }), metadata: { ...agent('a', 'llm-2', { name: 'sys-2', uid: second }).metadata, resourceVersion: created.metadata.resourceVersion } }, ctx);
    expect(await references('a')).toEqual([{ to_name: 'llm-2', field: 'spec.model.ref' }]);
    expect(await owners('a')).toEqual([second]);
    expect(await store.referrers({ kind: 'LLM', namespace: 'default', name: 'llm-1' })).toEqual([]);
    expect(await store.ownedBy(first)).toEqual([]);
    expect(await store.ownedBy(second)).toEqual([key('a')]);

    // An unchanged reference stays (it is neither deleted nor inserted twice).
    await store.patch(key('a'), (current) => ({ ...current!, metadata: { ...current!.metadata, labels: { x: 'y' } } }), ctx);
    expect(await references('a')).toEqual([{ to_name: 'llm-2', field: 'spec.model.ref' }]);

    await store.delete(key('a'), ctx);
    expect(await references('a')).toEqual([]);
    expect(await owners('a')).toEqual([]);
    expect(await store.get(key('a'))).toBeUndefined();

    // Created again after its deletion: the stream goes on, the rows come back.
    const again = await store.create(agent('a', 'llm-3'), ctx);
    expect(Number(again.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(await references('a')).toEqual([{ to_name: 'llm-3', field: 'spec.model.ref' }]);
    const { rows } = await pool.query(`SELECT max(stream_version)::int AS v FROM kastra_events WHERE stream_id = 'resource:Agent:default:a'`);
    expect(rows[0].v).toBe(5);
  });

  it('serves what it stored: the returned object is the read model row', async () => {
    const created = await store.create(agent('served', 'llm-1'), ctx);
    expect(await store.get(key('served'))).toEqual(created);
    const status = await store.updateStatus(key('served'), { phase: 'Ready' }, { actor: 'system:controller-manager' }, created.metadata.resourceVersion);
    expect(await store.get(key('served'))).toEqual(status);
    // A status write keeps the last writer of spec and metadata.
    expect(await store.lastWriter(key('served'))).toEqual({ sub: 'alice', groups: ['team'] });
  });

  it('lets exactly one of concurrent creates of a name win', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.create(agent('raced', 'llm-1'), ctx)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyExistsError);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM kastra_events WHERE stream_id = 'resource:Agent:default:raced'`);
    expect(rows[0].n).toBe(1);
  });

  it('lets exactly one of concurrent writes pinned to one resourceVersion win (409 for the others)', async () => {
    const created = await store.create(agent('pinned', 'llm-1'), ctx);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => store.updateStatus(key('pinned'), { phase: `P${i}` }, ctx, created.metadata.resourceVersion)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
  });

  it('writes a status decided on an object read before, without reading it again, and 409s when it moved', async () => {
    const created = await store.create(agent('known', 'llm-1'), ctx);
    const queries: string[] = [];
    const query = pool.query.bind(pool);
    const spy = jest.spyOn(pool, 'query').mockImplementation(((text: unknown, ...rest: unknown[]) => {
      const sql = typeof text === 'string' ? text : String((text as { text?: string }).text);
      // The wake of other processes' tailers after the commit is not part of the write.
      if (!sql.includes('pg_notify')) queries.push(sql);
      return (query as (...args: unknown[]) => unknown)(text, ...rest);
    }) as typeof pool.query);
    try {
      const written = await store.updateStatus(key('known'), { phase: 'Ready' }, ctx, created.metadata.resourceVersion, created);
      expect(queries).toHaveLength(1);
      expect(written.status).toEqual({ phase: 'Ready' });
      expect(await store.get(key('known'))).toEqual(written);
      // The object read is stale now: the write is refused, nothing is appended.
      await expect(store.updateStatus(key('known'), { phase: 'Late' }, ctx, created.metadata.resourceVersion, created)).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get(key('known')))!.status).toEqual({ phase: 'Ready' });
      // An object that is not the one asked about is not trusted: the store reads the stored one.
      queries.length = 0;
      const other = await store.updateStatus(key('known'), { phase: 'Again' }, ctx, written.metadata.resourceVersion, { ...written, metadata: { ...written.metadata, name: 'someone-else' } });
      expect(queries.length).toBe(2);
      expect(other.metadata.name).toBe('known');
    } finally {
      spy.mockRestore();
    }
  });

  it('leaves the tables exactly as a rebuild from the log makes them', async () => {
    const snapshot = async () => ({
      resources: (await pool.query(`SELECT kind, namespace, name, uid, stream_version, resource_version, object, labels, last_writer FROM kastra_resources ORDER BY 1, 2, 3`)).rows,
      references: (await pool.query(`SELECT * FROM kastra_resource_references ORDER BY 1, 2, 3, 4, 5, 6, 7`)).rows,
      owners: (await pool.query(`SELECT * FROM kastra_resource_owners ORDER BY 1, 2, 3, 4`)).rows,
    });
    const before = await snapshot();
    expect(before.resources.length).toBeGreaterThan(3);
    await rebuildResourceProjection(pool);
    expect(await snapshot()).toEqual(before);
  });
});
