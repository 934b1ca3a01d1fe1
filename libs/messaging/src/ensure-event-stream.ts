import { jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NatsNames } from './nats-names';

/** How long JetStream remembers message ids to drop re-published events (relay restarts). */
export const DUPLICATE_WINDOW_NS = 10 * 60 * 1_000_000_000;

/** Creates the events stream if missing (idempotent, safe from several processes). */
export async function ensureEventStream(nc: NatsConnection, names: NatsNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config: Partial<StreamConfig> & { name: string } = {
    name: names.eventsStream,
    subjects: [names.allEventsSubject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: DUPLICATE_WINDOW_NS,
    max_age: 7 * 24 * 3600 * 1_000_000_000,
  };
  try {
    await jsm.streams.info(names.eventsStream);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      // Another process created it first.
      if (!/already in use|exists/i.test(String(error))) throw error;
    }
  }
}
