import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { loadConfig } from '@kastra/config';
import { SecretCipher } from '@kastra/secrets';
import { LlmProviderDirectory } from './llm-provider-directory';
import { LlmResourceSync } from './llm-resource-sync';
import { ModelRegistry } from './model-registry';
import { ProviderDirectory } from './provider-directory';
import { RegistryChangeBus } from './registry-change-bus';
import { registryDataSourceOptions } from './registry-data-source-options';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE, REGISTRY_ENV } from './registry-tokens';

/**
 * The model registry of llm-proxy: providers, models and their encrypted keys in Postgres
 * (TypeORM, own migrations), LLM resources mirrored into it, `ModelRegistry.resolve` for the
 * call path, and the admin API. Needs the global NATS_CONNECTION / NATS_PREFIX
 * (MessagingModule) and PG_POOL (EventStoreModule); reads DATABASE_URL, KASTRA_HOME,
 * KASTRA_MASTER_KEY and KASTRA_PREVIOUS_MASTER_KEYS.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      name: REGISTRY_DATA_SOURCE,
      useFactory: () => registryDataSourceOptions(loadConfig(0).databaseUrl),
    }),
  ],
  providers: [
    { provide: REGISTRY_ENV, useValue: process.env },
    { provide: REGISTRY_CIPHER, useFactory: () => SecretCipher.fromEnvironment(loadConfig(0).homeDir) },
    { provide: ProviderDirectory, useClass: LlmProviderDirectory },
    RegistryChangeBus,
    LlmResourceSync,
    ModelRegistry,
  ],
  exports: [ModelRegistry, ProviderDirectory, RegistryChangeBus],
})
export class RegistryModule {}
