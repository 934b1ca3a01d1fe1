import type { Pool } from 'pg';
import { SecretCipher } from '@kastra/secrets';
import { EventNotifier } from '@kastra/event-store';
import { PostgresResourceStore } from './postgres-resource-store';

/** A ResourceStore outside Nest (tests, tools, benchmarks). Call `close()` when done. */
export async function createResourceStore(options: { pool: Pool; databaseUrl: string; cipher?: SecretCipher; homeDir?: string }) {
  const notifier = new EventNotifier(options.databaseUrl);
  await notifier.start();
  const cipher = options.cipher ?? SecretCipher.fromEnvironment(options.homeDir ?? '.kastra');
  const store = new PostgresResourceStore(options.pool, cipher, notifier);
  return Object.assign(store, { close: () => notifier.stop() });
}
