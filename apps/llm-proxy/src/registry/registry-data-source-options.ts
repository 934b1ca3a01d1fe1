import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { REGISTRY_ENTITIES } from './entities';
import { REGISTRY_DATA_SOURCE } from './registry-tokens';
import { CreateLlmRegistry1767225600000 } from './migrations/create-llm-registry.migration';
import { CreateLlmUserLimits1795322707000 } from './migrations/create-llm-user-limits.migration';

/** Every migration of the registry, in order (classes, not globs: the build is swc to dist/). */
export const REGISTRY_MIGRATIONS = [CreateLlmRegistry1767225600000, CreateLlmUserLimits1795322707000];

/**
 * The registry's TypeORM connection: its own small pool on DATABASE_URL, schema by migrations at
 * start (never `synchronize`), recorded in `llm_registry_migrations`.
 */
export function registryDataSourceOptions(databaseUrl: string): TypeOrmModuleOptions {
  return {
    // Repeated here: the Nest module finds the data source by this name again at shutdown.
    name: REGISTRY_DATA_SOURCE,
    type: 'postgres',
    url: databaseUrl,
    entities: REGISTRY_ENTITIES,
    migrations: REGISTRY_MIGRATIONS,
    migrationsRun: true,
    migrationsTableName: 'llm_registry_migrations',
    // Replicas starting together: one runs the migrations, the others wait for its lock.
    migrationsTransactionMode: 'all',
    synchronize: false,
    extra: { max: 5 },
    retryAttempts: 3,
    retryDelay: 1000,
  };
}
