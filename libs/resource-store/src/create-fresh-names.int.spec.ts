import type { Pool } from 'pg';
import { AlreadyExistsError, type Resource } from '@kastra/api';
import { appendToStream, migrate } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { randomBytes } from 'node:crypto';
import { createResourceStore } from './create-resource-store';

/**
 * A create of a name nobody holds never answers AlreadyExists, under the load of a synchronous run
 * endpoint: 16 creators on a pool of 10 (as the gateway), while another process's pool appends the
 * runs' events (group commit) and writes their status on the object it read (updateStatus's `read`).
 * Names are unique by construction, so any AlreadyExists is the store's, not a collision.
 */
describe('creates of fresh names under concurrent status writes and appends', () => {
  let db: TestDatabase;
  let pool: Pool;
  let pool2: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let store2: Awaited<ReturnType<typeof createResourceStore>>;
  const ctx = { actor: 'user:alice', principal: { sub: 'alice', groups: ['team'] } };
  beforeAll(async () => {
    db = await createTestDatabase('fresh_names');
    pool = db.pool({ max: 10 });
    pool2 = db.pool({ max: 10 });
    await migrate(pool);
    const cipher = new SecretCipher(randomBytes(32));
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher });
    store2 = await createResourceStore({ pool: pool2, databaseUrl: db.url, cipher });
  });
  afterAll(async () => {
    await store.close();
    await store2.close();
    await db.drop();
  });

  it('never answer AlreadyExists', async () => {
    const TOTAL = Number(process.env.STRESS_TOTAL ?? 1000);
    let n = 0;
    const failures: string[] = [];
    const side: Promise<unknown>[] = [];
    const worker = async () => {
      while (n < TOTAL) {
        const name = `two-noops-${(n++).toString(36)}`;
        const manifest: Resource = { apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name, namespace: 'default', labels: { 'mastra.ai/workflow': 'two-noops' } }, spec: { workflowRef: { name: 'two-noops' } } };
        try {
          const created = await store.create(manifest, ctx);
          // The executor: run events (group commit) and status writes on the known object.
          side.push((async () => {
            await appendToStream(pool2, `run:${created.metadata.uid}`, [{ type: 'RunStarted', data: {} }], { expectedVersion: 'no_stream' });
            const read = await store2.get({ kind: 'WorkflowRun', namespace: 'default', name });
            const s1 = await store2.updateStatus({ kind: 'WorkflowRun', namespace: 'default', name }, { phase: 'Running' }, ctx, read!.metadata.resourceVersion, read);
            await appendToStream(pool2, `run:${created.metadata.uid}`, [{ type: 'StepDone', data: {} }], { expectedVersion: 1 });
            await store2.updateStatus({ kind: 'WorkflowRun', namespace: 'default', name }, { phase: 'Succeeded' }, ctx, s1.metadata.resourceVersion, s1);
          })().catch((e) => failures.push(`side ${name}: ${String(e)}`)));
        } catch (error) {
          const stored = await store.get({ kind: 'WorkflowRun', namespace: 'default', name });
          const events = (await pool.query(`SELECT stream_version, type, metadata FROM kastra_events WHERE stream_id = $1`, [`resource:WorkflowRun:default:${name}`])).rows;
          failures.push(`${name}: ${String(error)} ${error instanceof AlreadyExistsError} stored uid ${stored?.metadata.uid} events ${JSON.stringify(events.map((e) => [e.stream_version, e.type]))}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await Promise.all(side);
    expect(failures).toEqual([]);
  });
});
