import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { migrate } from '@kastra/event-store';
import { startEventRelay, type EventRelay } from '@kastra/messaging';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from './test-database';
import { deleteTestStreams, TEST_NATS_URL, testNatsPrefix } from './test-nats';

/**
 * The declarative core for one test file, in process: a database of its own (migrated), a
 * resource store, a NATS connection and prefix of its own, and the event relay between them.
 * Services under test (controllers, executors) are started on top; `close()` undoes it all.
 */
export interface CoreTestEnvironment {
  db: TestDatabase;
  pool: Pool;
  store: Awaited<ReturnType<typeof createResourceStore>>;
  nc: NatsConnection;
  prefix: string;
  relay: EventRelay;
  close(): Promise<void>;
}

export async function createCoreTestEnvironment(label: string, options: { poolSize?: number } = {}): Promise<CoreTestEnvironment> {
  const db = await createTestDatabase(label);
  const pool = db.pool({ max: options.poolSize ?? 20 });
  await migrate(pool);
  const store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
  const nc = await connect({ servers: TEST_NATS_URL });
  const prefix = testNatsPrefix(label);
  const relay = await startEventRelay({ pool, databaseUrl: db.url, nc, prefix });
  return {
    db,
    pool,
    store,
    nc,
    prefix,
    relay,
    async close() {
      await relay.stop();
      await store.close();
      await nc.close();
      await db.drop();
      await deleteTestStreams(prefix);
    },
  };
}

/** Base of the per-service test environments: the core's parts, as properties. */
export abstract class CoreTestEnvironmentHolder {
  protected constructor(protected readonly core: CoreTestEnvironment) {}

  get db(): TestDatabase {
    return this.core.db;
  }
  get pool(): Pool {
    return this.core.pool;
  }
  get store(): CoreTestEnvironment['store'] {
    return this.core.store;
  }
  get nc(): NatsConnection {
    return this.core.nc;
  }
  get prefix(): string {
    return this.core.prefix;
  }
}
