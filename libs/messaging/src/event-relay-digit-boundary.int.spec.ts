import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EventStore, migrate, type RecordedEvent } from '@kastra/event-store';
import {
  advanceTransactionIdTo,
  appendAcrossDigitBoundaries,
  compareLogOrder,
  deleteTestStreams,
  DIGIT_BOUNDARY,
  eventually,
  startPrivatePostgres,
  TEST_NATS_URL,
  testNatsPrefix,
  type PrivatePostgres,
} from '@kastra/testing';
import { startEventRelay, type EventRelay } from './event-relay';
import { natsNames } from './nats-names';

describe('the event relay across a digit boundary (a cluster of its own, ids moved to 10^7)', () => {
  let cluster: PrivatePostgres;
  let pool: Pool;
  let nc: NatsConnection;
  let relay: EventRelay | undefined;
  const prefix = testNatsPrefix('digits');

  beforeAll(async () => {
    cluster = await startPrivatePostgres({ nextTransactionIdNear: DIGIT_BOUNDARY - 20_000 });
    pool = new Pool({ connectionString: cluster.url, max: 20 });
    await migrate(pool);
    nc = await connect({ servers: TEST_NATS_URL });
  });
  afterAll(async () => {
    await relay?.stop();
    await nc?.close();
    await deleteTestStreams(prefix);
    await pool?.end();
    await cluster?.stop();
  });

  it('publishes every event once, in log order, while concurrent writers cross 10^7', async () => {
    // Given a relay with small batches, and the next transaction id and position just below 10^7
    // (Concurrent appends share transactions — group commit — so 8 writers' 400 appends may take as
    // few as 50: the next transaction id is put 20 below the boundary, not 300.)
    await advanceTransactionIdTo(pool, BigInt(DIGIT_BOUNDARY - 20));
    await pool.query(`SELECT setval('kastra_events_global_position_seq', $1)`, [DIGIT_BOUNDARY - 100]);
    relay = await startEventRelay({ pool, nc, prefix, databaseUrl: cluster.url, batchSize: 7 });
    // When 8 writers append ~800 events in 400 appends (50 to 400 transactions)
    const appended = await appendAcrossDigitBoundaries(new EventStore(pool), { writers: 8, appendsPerWriter: 50, streamPrefix: `relayed-${randomUUID()}` });
    // Then the stream ends up holding exactly them, once each, in numeric (transaction, position) order
    const jsm = await jetstreamManager(nc);
    const stream = natsNames(prefix).eventsStream;
    await eventually(async () => (await jsm.streams.info(stream)).state.messages >= appended.length, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // anything published twice would land by now
    const { state } = await jsm.streams.info(stream);
    const published: RecordedEvent[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (message) published.push(message.json<RecordedEvent>());
    }
    expect(published.map((e) => e.eventId).sort()).toEqual([...appended].sort());
    for (let i = 1; i < published.length; i++) expect(compareLogOrder(published[i - 1], published[i])).toBeLessThan(0);
    // And both counters really crossed the boundary
    expect(BigInt(published[0].transactionId) < BigInt(DIGIT_BOUNDARY)).toBe(true);
    expect(BigInt(published[published.length - 1].transactionId) >= BigInt(DIGIT_BOUNDARY)).toBe(true);
    expect(BigInt(published[published.length - 1].globalPosition) >= BigInt(DIGIT_BOUNDARY)).toBe(true);
  });
});
