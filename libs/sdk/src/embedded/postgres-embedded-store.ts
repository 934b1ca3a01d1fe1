import { homedir } from 'node:os';
import { join } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { BUILTIN_KINDS, findBuiltinKind, type Resource, type ResourceKey, type ResourceStatus } from '@kastra/api';
import { EventStoreAgentMemory, type AgentMemory } from '@kastra/agent-runtime';
import { ensureDatabase, EventNotifier, EventStore, migrate } from '@kastra/event-store';
import { PostgresResourceStore, type WriteContext } from '@kastra/resource-store';
import { runStreamIdOf, type RunKind } from '@kastra/run-engine';
import { SecretCipher } from '@kastra/secrets';
import type { ResourcePersistence } from './embedded-resource-store';
import type { RecordedRunEvent, RunLog } from './run-log';

/** Who the embedded runtime's writes are recorded as. */
const EMBEDDED_WRITER: WriteContext = { actor: 'system:embedded-runtime' };
/** The session advisory lock one embedded runtime holds on its database: a second one is refused. */
const EMBEDDED_WRITER_LOCK = 7_204_118_355;

export class EmbeddedStoreLockedError extends Error {
  constructor() {
    super('another embedded runtime is using this database (it holds the embedded writer lock); two apps on one database are not coordinated — close the other one or use another database');
    this.name = 'EmbeddedStoreLockedError';
  }
}

/**
 * The embedded runtime's log in Postgres, with the services' own code: the event store's schema
 * and appends (expected versions), the resource store over it (resource streams and their
 * projection, Secrets sealed with the master key of KASTRA_MASTER_KEY or KASTRA_HOME), run events
 * in the streams the executors write (`run:<ns>:<name>:<uid>`, `networkrun:…`) and agent memory
 * in `memory:<ns>:<agent>:<thread>`. It opens in the background when built; every call waits for
 * it. One runtime per database: a session advisory lock refuses a second.
 */
export class PostgresEmbeddedStore implements ResourcePersistence, RunLog {
  private readonly pool: Pool;
  private readonly events: EventStore;
  private readonly resources: PostgresResourceStore;
  readonly memory: AgentMemory;
  private lockHolder?: PoolClient;
  private closed?: Promise<void>;
  readonly opened: Promise<void>;

  constructor(private readonly url: string, env: NodeJS.ProcessEnv) {
    this.pool = new Pool({ connectionString: url, max: 4 });
    // An idle client dropped by the server must not crash the application; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.events = new EventStore(this.pool);
    const cipher = SecretCipher.fromEnvironment(env.KASTRA_HOME ?? join(homedir(), '.kastra'), { env });
    // The notifier serves watches of the store, which the embedded runtime does not use: never started.
    this.resources = new PostgresResourceStore(this.pool, cipher, new EventNotifier(url));
    this.memory = new EventStoreAgentMemory(this.events);
    this.opened = this.open();
    this.opened.catch(() => undefined);
  }

  keeps(kind: string): boolean {
    return findBuiltinKind(kind) !== undefined;
  }

  async load(): Promise<Resource[]> {
    await this.opened;
    const objects: Resource[] = [];
    for (const { kind } of BUILTIN_KINDS) {
      for (const item of (await this.resources.list({ kind })).items) {
        if (item.kind !== 'Secret' || !item.data) {
          objects.push(item);
          continue;
        }
        const data: Record<string, string> = {};
        for (const key of Object.keys(item.data)) {
          const value = await this.resources.revealSecretValue(item.metadata.namespace ?? 'default', item.metadata.name, key);
          if (value !== undefined) data[key] = Buffer.from(value, 'utf8').toString('base64');
        }
        objects.push({ ...item, data });
      }
    }
    return objects;
  }

  async create(resource: Resource): Promise<Resource> {
    await this.opened;
    return this.resources.create(resource, EMBEDDED_WRITER);
  }

  async update(resource: Resource): Promise<Resource> {
    await this.opened;
    return this.resources.update(resource, EMBEDDED_WRITER);
  }

  async updateStatus(key: ResourceKey, status: ResourceStatus, expectedResourceVersion?: string): Promise<Resource> {
    await this.opened;
    return this.resources.updateStatus(key, status, EMBEDDED_WRITER, expectedResourceVersion);
  }

  async delete(key: ResourceKey): Promise<void> {
    await this.opened;
    await this.resources.delete(key, EMBEDDED_WRITER);
  }

  async append(kind: RunKind, run: Resource, events: ReadonlyArray<{ type: string; data: unknown }>, expectedVersion: number): Promise<void> {
    await this.opened;
    await this.events.append(streamOf(kind, run), events.map((event) => ({ type: event.type, data: event.data as Record<string, unknown> })), {
      expectedVersion,
      metadata: { actor: EMBEDDED_WRITER.actor },
    });
  }

  async read(kind: RunKind, run: Resource): Promise<RecordedRunEvent[]> {
    await this.opened;
    return (await this.events.readStream(streamOf(kind, run))).map((event) => ({ type: event.type, data: event.data, at: event.createdAt }));
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    await this.opened.catch(() => undefined);
    if (this.lockHolder) {
      await this.lockHolder.query('SELECT pg_advisory_unlock($1)', [EMBEDDED_WRITER_LOCK]).catch(() => undefined);
      this.lockHolder.release();
      this.lockHolder = undefined;
    }
    await this.pool.end();
  }

  private async open(): Promise<void> {
    const holder = await this.pool.connect().catch(async (error: { code?: string }) => {
      // A database that does not exist yet is created, as the services create theirs.
      if (error.code !== '3D000') throw error;
      await ensureDatabase(this.url);
      return this.pool.connect();
    });
    const { rows } = await holder.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [EMBEDDED_WRITER_LOCK]);
    if (!rows[0].locked) {
      holder.release();
      throw new EmbeddedStoreLockedError();
    }
    // The server may end the session holding the lock (a restart, a dropped database): the error must not crash the app.
    holder.on('error', () => undefined);
    this.lockHolder = holder;
    await migrate(this.pool);
  }
}

function streamOf(kind: RunKind, run: Resource): string {
  return runStreamIdOf(kind, run.metadata.namespace ?? 'default', run.metadata.name, run.metadata.uid ?? '');
}
