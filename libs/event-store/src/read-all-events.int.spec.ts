import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  advanceTransactionIdTo,
  appendAcrossDigitBoundaries,
  compareLogOrder,
  DIGIT_BOUNDARY,
  startPrivatePostgres,
  type PrivatePostgres,
} from '@kastra/testing';
import type { RecordedEvent } from './event';
import { EventStore } from './event-store';
import { migrate } from './event-store-schema';
import { readCheckpoint, storeCheckpoint } from './checkpoints';
import { LOG_START, positionOf, type LogPosition } from './log-position';
import { logPositionOf, readAllEvents, readHeadPosition } from './read-all-events';

/**
 * Transaction ids and global positions cross a power of ten in every long-lived database. Readers
 * must order and compare them as numbers: as text, '10000000' sorts before '9999999'.
 */
describe('reading the log across a digit boundary (a cluster of its own, ids moved to 10^7)', () => {
  let cluster: PrivatePostgres;
  let pool: Pool;

  beforeAll(async () => {
    cluster = await startPrivatePostgres({ nextTransactionIdNear: DIGIT_BOUNDARY - 20_000 });
    pool = new Pool({ connectionString: cluster.url, max: 20 });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await cluster?.stop();
  });

  it('gives a tail reader every event exactly once, in log order, while concurrent writers cross 10^7', async () => {
    // Given the next transaction id and global position just below 10^7
    // (Concurrent appends share transactions — group commit — so 8 writers' 400 appends may take as
    // few as 50: the next transaction id is put 20 below the boundary, not 300.)
    await advanceTransactionIdTo(pool, BigInt(DIGIT_BOUNDARY - 20));
    await pool.query(`SELECT setval('kastra_events_global_position_seq', $1)`, [DIGIT_BOUNDARY - 100]);
    const store = new EventStore(pool);
    // When 8 writers append ~800 events in 400 appends (50 to 400 transactions) while a reader tails in small batches
    const writing = appendAcrossDigitBoundaries(store, { writers: 8, appendsPerWriter: 50, streamPrefix: `tail-${randomUUID()}` });
    const seen: RecordedEvent[] = [];
    let after: LogPosition = LOG_START;
    let done = false;
    void writing.finally(() => (done = true));
    for (;;) {
      const finished = done;
      const batch = await readAllEvents(pool, { after, limit: 7 });
      seen.push(...batch);
      if (batch.length > 0) after = positionOf(batch[batch.length - 1]);
      if (batch.length === 0 && finished) break;
      if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const appended = await writing;
    // Then both counters really crossed the boundary during the run
    const positions = seen.map((e) => BigInt(e.globalPosition));
    const transactions = seen.map((e) => BigInt(e.transactionId));
    expect(positions.some((p) => p < BigInt(DIGIT_BOUNDARY)) && positions.some((p) => p >= BigInt(DIGIT_BOUNDARY))).toBe(true);
    expect(transactions.some((t) => t < BigInt(DIGIT_BOUNDARY)) && transactions.some((t) => t >= BigInt(DIGIT_BOUNDARY))).toBe(true);
    // And the reader saw each appended event once, in numeric (transaction, position) order
    expect(seen.map((e) => e.eventId).sort()).toEqual([...appended].sort());
    for (let i = 1; i < seen.length; i++) expect(compareLogOrder(seen[i - 1], seen[i])).toBeLessThan(0);
    // And the head is the numerically last event, found again by its global position
    const head = await readHeadPosition(pool);
    expect(head).toEqual(positionOf(seen[seen.length - 1]));
    expect(await logPositionOf(pool, head.globalPosition)).toEqual(head);
  });

  it('moves a checkpoint forward only, comparing positions as numbers', async () => {
    // Given a checkpoint just below the boundary
    const name = `reader-${randomUUID()}`;
    const below = { transactionId: String(DIGIT_BOUNDARY - 1), globalPosition: String(DIGIT_BOUNDARY - 1) };
    const above = { transactionId: String(DIGIT_BOUNDARY), globalPosition: String(DIGIT_BOUNDARY) };
    await storeCheckpoint(pool, name, below);
    // When it moves past the boundary, then a late writer tries to move it back
    await storeCheckpoint(pool, name, above);
    await storeCheckpoint(pool, name, below);
    // Then it stays past the boundary
    expect(await readCheckpoint(pool, name)).toEqual(above);
  });
});
