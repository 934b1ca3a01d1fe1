import { Module } from '@nestjs/common';
import { AuthModule } from '@kastra/auth';
import { loadConfig } from '@kastra/config';
import { EventStoreModule } from '@kastra/event-store';
import { MessagingModule } from '@kastra/messaging';
import { MODEL_RESOLVER } from './calls/model-resolver';
import { LlmCallsModule } from './llm-calls.module';
import { ModelRegistry } from './registry/model-registry';
import { RegistryModule } from './registry/registry.module';
import { RegistryModelResolver } from './registry-model-resolver';

/**
 * The only holder of provider keys: the model registry with its admin API,
 * and the call path (OpenAI- and Anthropic-compatible endpoints, NATS subjects) with limits,
 * retries, breakers, fallbacks and usage accounting.
 */
@Module({
  imports: [
    EventStoreModule.forRoot(),
    MessagingModule.forRoot(),
    AuthModule.forRoot(loadConfig(0).homeDir),
    RegistryModule,
    LlmCallsModule.forRoot({
      imports: [RegistryModule],
      resolver: {
        provide: MODEL_RESOLVER,
        useFactory: (registry: ModelRegistry) => new RegistryModelResolver(registry),
        inject: [ModelRegistry],
      },
    }),
  ],
})
export class LlmProxyModule {}
