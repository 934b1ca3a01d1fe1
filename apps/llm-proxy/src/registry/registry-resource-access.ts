import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { loadConfig } from '@kastra/config';
import { PG_POOL } from '@kastra/event-store';
import { lastWriterPermissions, startRbacAuthorizer, type ResourcePermissions, type RunningRbacAuthorizer } from '@kastra/rbac';
import { createResourceStore, RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import type { SecretCipher } from '@kastra/secrets';
import { createLogger } from '@kastra/telemetry';
import { REGISTRY_CIPHER, REGISTRY_ENV } from './registry-tokens';

const logger = createLogger('llm-proxy').child({ component: 'registry-resource-access' });

/** What the registry needs of a resource store: reads, referrers, and the one place Secret values are revealed. */
export type RegistryResourceReader = Pick<ResourceStore, 'get' | 'list' | 'referrers' | 'lastWriter'> & {
  revealSecretValue(namespace: string, name: string, dataKey: string): Promise<string | undefined>;
};

interface Started {
  store: RegistryResourceReader;
  rbac: RunningRbacAuthorizer;
  permissions: ResourcePermissions;
}

/**
 * The resource store LLM resources and their Secrets are read from (the app's, or one of its own
 * over the same database) and one RBAC authorizer over it, for the process's life: an LLM
 * resource uses only the Secrets, and reaches only the private addresses, its last writer may.
 */
@Injectable()
export class RegistryResourceAccess implements OnModuleInit, OnModuleDestroy {
  private started?: Promise<Started>;
  private ownStore?: Awaited<ReturnType<typeof createResourceStore>>;
  /** Read when the module is built, not when the store is first opened (the environment may be another's by then). */
  private readonly databaseUrl: string;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    @Inject(REGISTRY_ENV) env: NodeJS.ProcessEnv,
    @Optional() @Inject(RESOURCE_STORE) private readonly sharedStore?: ResourceStore,
  ) {
    this.databaseUrl = loadConfig(0, env).databaseUrl;
  }

  /** Loads the policy before the first LLM is synced: none is judged against an empty one. */
  async onModuleInit(): Promise<void> {
    await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    const started = await this.started?.catch(() => undefined);
    await started?.rbac.stop();
    await this.ownStore?.close();
  }

  async store(): Promise<RegistryResourceReader> {
    return (await this.start()).store;
  }

  async permissions(): Promise<ResourcePermissions> {
    return (await this.start()).permissions;
  }

  /** Applies a Role or binding this process learned of from an event before its watch did. */
  async observeRbac(object: Resource, deleted: boolean): Promise<void> {
    (await this.start()).rbac.cache.observe(object, deleted);
  }

  private start(): Promise<Started> {
    this.started ??= this.open().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  private async open(): Promise<Started> {
    const shared = this.sharedStore as (ResourceStore & Partial<RegistryResourceReader>) | undefined;
    let store: ResourceStore & RegistryResourceReader;
    if (shared && typeof shared.revealSecretValue === 'function') store = shared as ResourceStore & RegistryResourceReader;
    else {
      this.ownStore ??= await createResourceStore({ pool: this.pool, databaseUrl: this.databaseUrl, cipher: this.cipher });
      store = this.ownStore;
    }
    const rbac = await startRbacAuthorizer(store, logger);
    return { store, rbac, permissions: lastWriterPermissions(store, rbac.authorizer) };
  }
}
