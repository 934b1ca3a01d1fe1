import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { migrate } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import type { CliContext } from './cli-context';
import { main } from './main';

describe('kastra rebuild-projections', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('rebuildcli');
    pool = db.pool();
    await migrate(pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('replays a read model that was damaged back to the live state', async () => {
    // Given resources written through the store, and a read model that lost and corrupted rows
    const store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    const ctx = { actor: 'user:test' };
    for (const name of ['a', 'b', 'c']) {
      await store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name }, spec: { provider: 'mock', model: 'm' } }, ctx);
    }
    await store.updateStatus({ kind: 'LLM', namespace: 'default', name: 'b' }, { phase: 'Ready' }, ctx);
    await store.delete({ kind: 'LLM', namespace: 'default', name: 'c' }, ctx);
    await store.close();
    const live = (await pool.query('SELECT object FROM kastra_resources ORDER BY name')).rows;
    await pool.query(`DELETE FROM kastra_resources WHERE name = 'a'`);
    await pool.query(`UPDATE kastra_resources SET object = '{}'::jsonb WHERE name = 'b'`);
    // When the command runs
    const out: string[] = [];
    const cli: Partial<CliContext> = { env: {}, cwd: process.cwd(), stdout: (t) => out.push(t), stderr: (t) => out.push(t), readStdin: async () => '' };
    const code = await main(['rebuild-projections', '--database-url', db.url], cli as CliContext);
    // Then the read model equals the live one again
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/rebuilt resources from 5 events of 3 streams/);
    expect((await pool.query('SELECT object FROM kastra_resources ORDER BY name')).rows).toEqual(live);
  });
});
