import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { SystemReconciler } from './system-reconciler';

describe('System children are written as the System\'s last writer', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  beforeAll(async () => {
    db = await createTestDatabase('syswriter');
    pool = db.pool({ max: 3 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('records the principal who wrote the System, not the controller, as each child\'s last writer', async () => {
    // Given a System declaring an LLM, written by ann
    const ann = { sub: 'ann', groups: ['system:authenticated'] };
    const system = await store.create(
      { apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 'shop', namespace: 'team-a' }, spec: { llms: [{ name: 'shop-llm', spec: { provider: 'mock', model: 'm' } }] } } as Resource,
      { actor: 'user:ann', principal: ann },
    );
    // When the controller reconciles it
    await new SystemReconciler(store).reconcile(system, { actor: 'system:controller-manager' });
    // Then the child exists, written on ann's behalf
    expect(await store.get({ kind: 'LLM', namespace: 'team-a', name: 'shop-llm' })).toBeDefined();
    expect(await store.lastWriter({ kind: 'LLM', namespace: 'team-a', name: 'shop-llm' })).toEqual(ann);
  });
});
