import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { RbacAuthorizer, RbacPolicyCache } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { seedBootstrapPolicy } from './bootstrap-policy-seeder';
import { RbacWriteGuard } from './rbac-write-guard';

/** Keeps the RBAC policy of the store in memory for the process's life and seeds the built-in roles. */
class RbacPolicyLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(RbacPolicyCache) private readonly cache: RbacPolicyCache,
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.cache.start();
    await seedBootstrapPolicy(this.store);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.stop();
  }
}

/**
 * RBAC for the whole gateway: the policy cache, the authorizer over it, and the RBAC write checks.
 * Needs RESOURCE_STORE where it is provided (a test module lists these next to its store).
 */
export const RBAC_PROVIDERS: Provider[] = [
  {
    provide: RbacPolicyCache,
    useFactory: (store: ResourceStore) => new RbacPolicyCache(store, createLogger('api-gateway')),
    inject: [RESOURCE_STORE],
  },
  { provide: RbacAuthorizer, useFactory: (cache: RbacPolicyCache) => new RbacAuthorizer(() => cache.policy), inject: [RbacPolicyCache] },
  RbacWriteGuard,
  RbacPolicyLifecycle,
];

/** RBAC_PROVIDERS for the whole app. */
@Global()
@Module({ providers: RBAC_PROVIDERS, exports: [RbacPolicyCache, RbacAuthorizer, RbacWriteGuard] })
export class RbacModule {}
