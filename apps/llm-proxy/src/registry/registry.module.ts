import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { loadConfig } from '@kastra/config';
import type { PrivateEgressResolver } from '@kastra/egress';
import { SecretCipher } from '@kastra/secrets';
import { USER_LIMIT_OVERRIDES } from '../limits/user-limits';
import { AdminRoleGuard } from './admin/admin-role.guard';
import { ClusterAdminCheck } from './admin/cluster-admin-check';
import { ModelAdmin } from './admin/model-admin';
import { ModelsController } from './admin/models.controller';
import { ProviderAdmin } from './admin/provider-admin';
import { ProvidersController } from './admin/providers.controller';
import { RotationController } from './admin/rotation.controller';
import { UserLimitAdmin } from './admin/user-limit-admin';
import { UserLimitsController } from './admin/user-limits.controller';
import { LlmProviderDirectory } from './llm-provider-directory';
import { LlmResourceSync } from './llm-resource-sync';
import { MasterKeyRotation } from './master-key-rotation';
import { ModelRegistry } from './model-registry';
import { ProviderDirectory } from './provider-directory';
import { RegistryChangeBus } from './registry-change-bus';
import { registryDataSourceOptions } from './registry-data-source-options';
import { RegistryResourceAccess } from './registry-resource-access';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE, REGISTRY_ENV, REGISTRY_PRIVATE_EGRESS } from './registry-tokens';
import { StoredUserLimits } from './stored-user-limits';

/**
 * The model registry of llm-proxy: providers, models and their encrypted keys in Postgres
 * (TypeORM, own migrations), LLM resources mirrored into it, `ModelRegistry.resolve` for the
 * call path, each user's own rate limits (USER_LIMIT_OVERRIDES: LlmCallsModule charges them
 * when this module is among its imports), and the admin API. Needs the global NATS_CONNECTION /
 * NATS_PREFIX (MessagingModule) and PG_POOL (EventStoreModule); reads DATABASE_URL, KASTRA_HOME,
 * KASTRA_MASTER_KEY, KASTRA_PREVIOUS_MASTER_KEYS and KASTRA_JWT_SECRET.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      name: REGISTRY_DATA_SOURCE,
      useFactory: () => registryDataSourceOptions(loadConfig(0).databaseUrl),
    }),
  ],
  controllers: [ProvidersController, ModelsController, RotationController, UserLimitsController],
  providers: [
    { provide: REGISTRY_ENV, useValue: process.env },
    { provide: REGISTRY_CIPHER, useFactory: () => SecretCipher.fromEnvironment(loadConfig(0).homeDir) },
    // Same secret as AuthModule's; provided here so the module stands alone.
    { provide: JwtAuthority, useFactory: () => new JwtAuthority(loadDevelopmentSecrets(loadConfig(0).homeDir).jwtSecret) },
    { provide: ProviderDirectory, useClass: LlmProviderDirectory },
    RegistryChangeBus,
    RegistryResourceAccess,
    // An LLM resource's base URL may be on a private address when its last writer holds egress-private.
    {
      provide: REGISTRY_PRIVATE_EGRESS,
      useFactory: (access: RegistryResourceAccess) => async (llm: Parameters<PrivateEgressResolver>[0]) => (await access.permissions()).mayReachPrivate(llm),
      inject: [RegistryResourceAccess],
    },
    LlmResourceSync,
    ModelRegistry,
    ModelAdmin,
    ProviderAdmin,
    MasterKeyRotation,
    StoredUserLimits,
    { provide: USER_LIMIT_OVERRIDES, useExisting: StoredUserLimits },
    UserLimitAdmin,
    ClusterAdminCheck,
    AdminRoleGuard,
  ],
  exports: [ModelRegistry, ProviderDirectory, RegistryChangeBus, MasterKeyRotation, USER_LIMIT_OVERRIDES, ClusterAdminCheck],
})
export class RegistryModule {}
