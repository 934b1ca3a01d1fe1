import type { Pool } from 'pg';
import { randomBytes } from 'node:crypto';
import type { Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { createWithGeneratedName } from './create-generated-run';

/** On the Postgres store: a taken generated name costs one more attempt, never a second run or a changed one. */
describe('createWithGeneratedName on the Postgres store', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  const ctx = { actor: 'user:alice', principal: { sub: 'alice', groups: [] } };
  const run = (name: string): Resource => ({
    apiVersion: 'mastra.ai/v1',
    kind: 'WorkflowRun',
    metadata: { name, namespace: 'default', labels: { 'mastra.ai/workflow': 'two-noops' } },
    spec: { workflowRef: { name: 'two-noops' } },
  });
  const eventsOf = async (name: string) =>
    (await pool.query(`SELECT type, data->'object'->'metadata'->>'uid' AS uid FROM kastra_events WHERE stream_id = $1 ORDER BY stream_version`, [`resource:WorkflowRun:default:${name}`])).rows;

  beforeAll(async () => {
    db = await createTestDatabase('generated_run');
    pool = db.pool();
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('takes a fresh name when the first is an existing run, and leaves that run as it was', async () => {
    const existing = await store.create(run('two-noops-bbbbb'), ctx);
    const names = ['two-noops-bbbbb', 'two-noops-ccccc'];
    const created = await createWithGeneratedName(store, 'two-noops', run, ctx, () => names.shift()!);
    expect(created.metadata.name).toBe('two-noops-ccccc');
    expect(await eventsOf('two-noops-bbbbb')).toEqual([{ type: 'ResourceCreated', uid: existing.metadata.uid }]);
    expect(await eventsOf('two-noops-ccccc')).toEqual([{ type: 'ResourceCreated', uid: created.metadata.uid }]);
  });

  it('16 concurrent creates all given the same first name: one run of that name, every caller a run of its own', async () => {
    let n = 0;
    const nameOf = (): string => `two-noops-same-${n++ < 16 ? 'x' : n}`;
    const created = await Promise.all(Array.from({ length: 16 }, () => createWithGeneratedName(store, 'two-noops', run, ctx, nameOf)));
    const names = created.map((r) => r.metadata.name);
    expect(new Set(names).size).toBe(16);
    expect(names.filter((name) => name === 'two-noops-same-x')).toHaveLength(1);
    // Every losing first attempt wrote nothing: the name's stream holds the winner's creation only.
    const winner = created.find((r) => r.metadata.name === 'two-noops-same-x')!;
    expect(await eventsOf('two-noops-same-x')).toEqual([{ type: 'ResourceCreated', uid: winner.metadata.uid }]);
    const { rows } = await pool.query(`SELECT count(*)::int AS runs FROM kastra_resources WHERE kind = 'WorkflowRun' AND name LIKE 'two-noops-same-%'`);
    expect(rows[0].runs).toBe(16);
  });
});
