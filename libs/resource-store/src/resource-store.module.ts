import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { loadConfig } from '@kastra/config';
import { PG_POOL } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { EventNotifier } from '@kastra/event-store';
import { PostgresResourceStore } from './postgres-resource-store';

/** Injection token of the process's ResourceStore. */
export const RESOURCE_STORE = 'KASTRA_RESOURCE_STORE';

@Injectable()
class NotifierLifecycle implements OnApplicationShutdown {
  constructor(private readonly notifier: EventNotifier) {}
  async onApplicationShutdown(): Promise<void> {
    await this.notifier.stop();
  }
}

/** Resources over the event log for a service; needs EventStoreModule.forRoot() imported too. */
@Global()
@Module({
  providers: [
    {
      provide: EventNotifier,
      // After PG_POOL: its factory creates a missing database, which LISTEN needs to exist.
      useFactory: async (_pool: Pool) => {
        const notifier = new EventNotifier(loadConfig(0).databaseUrl);
        await notifier.start();
        return notifier;
      },
      inject: [PG_POOL],
    },
    {
      provide: RESOURCE_STORE,
      useFactory: (pool: Pool, notifier: EventNotifier) =>
        new PostgresResourceStore(pool, SecretCipher.fromEnvironment(loadConfig(0).homeDir), notifier),
      inject: [PG_POOL, EventNotifier],
    },
    NotifierLifecycle,
  ],
  exports: [RESOURCE_STORE, EventNotifier],
})
export class ResourceStoreModule {}
