import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { ReadinessRegistry } from '@kastra/service-host';
import { Pool } from 'pg';
import { loadConfig } from '@kastra/config';
import { ensureDatabase } from './ensure-database';
import { migrate } from './event-store-schema';
import { EventStore } from './event-store';

/** Injection token of the process's pg Pool. */
export const PG_POOL = 'KASTRA_PG_POOL';

@Injectable()
class PoolLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}
  onModuleInit(): void {
    this.readiness?.register('postgres', () => pingDatabase(this.pool));
  }
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

export interface EventStoreModuleOptions {
  /** @default DATABASE_URL or postgres://postgres@127.0.0.1:5432/kastra */
  databaseUrl?: string;
  /** Create the database if missing and apply the schema at start. @default true */
  migrate?: boolean;
  /** @default 10 */
  poolSize?: number;
}

/** Postgres for a service: creates the database if missing, migrates, provides PG_POOL and EventStore. */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions = {}): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: PG_POOL,
          useFactory: async () => {
            const url = options.databaseUrl ?? loadConfig(0).databaseUrl;
            if (options.migrate !== false) await ensureDatabase(url);
            const pool = new Pool({ connectionString: url, max: options.poolSize ?? 10 });
            pool.on('error', () => undefined); // idle client errors surface on the next query
            if (options.migrate !== false) await migrate(pool);
            return pool;
          },
        },
        { provide: EventStore, useFactory: (pool: Pool) => new EventStore(pool), inject: [PG_POOL] },
        PoolLifecycle,
      ],
      exports: [PG_POOL, EventStore],
    };
  }
}

/** Registers a readiness check on the pool (used by service modules). */
export async function pingDatabase(pool: Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

