import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Principal } from '@kastra/auth';
import { loadConfig } from '@kastra/config';
import { PG_POOL } from '@kastra/event-store';
import { isClusterAdmin } from '@kastra/rbac';
import { createResourceStore, RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import type { SecretCipher } from '@kastra/secrets';
import { REGISTRY_CIPHER, REGISTRY_ENV } from '../registry-tokens';

/**
 * Who is a cluster admin, by the cluster's RBAC (the same store and rules as the gateway):
 * system:masters, or bound cluster-wide to cluster-admin. Read per call: the admin API and
 * others' usage are asked for rarely, and a revoked binding counts at once.
 */
@Injectable()
export class ClusterAdminCheck implements OnModuleDestroy {
  private ownStore?: Promise<ResourceStore & { close(): Promise<void> }>;
  /** Read when the module is built: the store is opened at the first request, when the environment may be another's. */
  private readonly databaseUrl: string;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    @Inject(REGISTRY_ENV) env: NodeJS.ProcessEnv,
    @Optional() @Inject(RESOURCE_STORE) private readonly sharedStore?: ResourceStore,
  ) {
    this.databaseUrl = loadConfig(0, env).databaseUrl;
  }

  async isClusterAdmin(principal: Principal): Promise<boolean> {
    return isClusterAdmin(await this.store(), principal);
  }

  async onModuleDestroy(): Promise<void> {
    await (await this.ownStore)?.close();
  }

  private async store(): Promise<ResourceStore> {
    if (this.sharedStore) return this.sharedStore;
    this.ownStore ??= createResourceStore({ pool: this.pool, databaseUrl: this.databaseUrl, cipher: this.cipher });
    return this.ownStore;
  }
}
