import { randomBytes } from 'node:crypto';
import { Client, Pool, type PoolConfig } from 'pg';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  /** Connection string of a database created for this test file only. */
  url: string;
  name: string;
  /**
   * A pool on this database, ended by `drop()`. Its idle clients' errors are absorbed: the forced
   * drop terminates connections, and an unheard pool error would crash the test file.
   */
  pool(config?: PoolConfig): Pool;
  /** Ends the pools, then drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

/** Creates an empty database of its own for one test file; `drop()` it in afterAll. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `kastra_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(ADMIN_URL, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(ADMIN_URL, name);
  const pools: Pool[] = [];
  return {
    url,
    name,
    pool(config = {}) {
      const pool = new Pool({ ...config, connectionString: url });
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.map((pool) => (pool.ended ? undefined : pool.end().catch(() => undefined))));
      const client = new Client({ connectionString: withDatabase(ADMIN_URL, 'postgres') });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
