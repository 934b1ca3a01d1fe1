import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const TEST_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** A NATS prefix of its own for one test file: streams and subjects never collide. */
export function testNatsPrefix(label = 't'): string {
  return `kt${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}${randomBytes(4).toString('hex')}`;
}

/** Deletes every JetStream stream whose name starts with the prefix (upper-cased). */
export async function deleteTestStreams(prefix: string): Promise<void> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const upper = prefix.toUpperCase();
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(upper)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
