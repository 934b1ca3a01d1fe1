import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Pool } from 'pg';
import { findCondition, type Condition, type Resource, type ResourceKey } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { startEventRelay, type EventRelay } from '@kastra/messaging';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, deleteTestStreams, eventually, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { ControllerManager, type ControllerManagerOptions } from '../controller-manager';

export const userCtx = { actor: 'user:test' };

/**
 * A database, a NATS prefix, a resource store and the event relay of their own for one test file,
 * plus controller-manager instances started on demand; `close()` undoes all of it.
 */
export class ControllerTestEnvironment {
  private readonly managers: ControllerManager[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly pool: Pool,
    readonly store: Awaited<ReturnType<typeof createResourceStore>>,
    readonly nc: NatsConnection,
    readonly prefix: string,
    private readonly relay: EventRelay,
  ) {}

  static async create(label: string): Promise<ControllerTestEnvironment> {
    const db = await createTestDatabase(label);
    const pool = new Pool({ connectionString: db.url, max: 20 });
    // Idle clients see the FORCE drop of the database at teardown; that is not a test failure.
    pool.on('error', () => undefined);
    await migrate(pool);
    const store = await createResourceStore({
      pool,
      databaseUrl: db.url,
      cipher: new SecretCipher(randomBytes(32)),
      homeDir: mkdtempSync(join(tmpdir(), 'kastra-cm-')),
    });
    const nc = await connect({ servers: TEST_NATS_URL });
    const prefix = testNatsPrefix(label);
    const relay = await startEventRelay({ pool, databaseUrl: db.url, nc, prefix });
    return new ControllerTestEnvironment(db, pool, store, nc, prefix, relay);
  }

  async startManager(options: Partial<ControllerManagerOptions> = {}): Promise<ControllerManager> {
    const manager = new ControllerManager({ store: this.store, pool: this.pool, nc: this.nc, prefix: this.prefix, ...options });
    this.managers.push(manager);
    await manager.start();
    return manager;
  }

  /** Waits until the object's condition has the status (and its message passes `message`, if given). */
  waitForCondition(key: ResourceKey, type: string, status: Condition['status'], message?: RegExp | string, timeoutMs = 20_000): Promise<Resource> {
    return eventually(async () => {
      const resource = await this.store.get(key);
      const condition = findCondition(resource?.status?.conditions, type);
      if (!resource || condition?.status !== status) return undefined;
      if (message !== undefined && !(typeof message === 'string' ? condition.message.includes(message) : message.test(condition.message))) return undefined;
      return resource;
    }, timeoutMs);
  }

  async close(): Promise<void> {
    for (const manager of this.managers) await manager.stop().catch(() => undefined);
    await this.relay.stop();
    await this.store.close();
    await this.nc.close();
    await this.pool.end();
    await this.db.drop();
    await deleteTestStreams(this.prefix);
  }
}

export function resource(kind: string, namespace: string, name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: 'mastra.ai/v1', kind, metadata: { name, namespace }, spec };
}
