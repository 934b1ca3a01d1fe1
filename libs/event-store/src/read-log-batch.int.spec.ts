import { Pool } from 'pg';
import { startPrivatePostgres, type PrivatePostgres } from '@kastra/testing';
import { EventNotifier } from './event-notifier';
import { EventStore } from './event-store';
import { migrate } from './event-store-schema';
import { positionOf, type LogPosition } from './log-position';
import { heldBackRetryMs, readHeadPosition, readLogBatch } from './read-all-events';

/**
 * A tailer's read tells "nothing new" from "new events committed, held back by an older
 * transaction in flight" — on a cluster of its own, so no other test's transaction holds it back.
 */
describe('readLogBatch: events held back by an older transaction', () => {
  let cluster: PrivatePostgres;
  let pool: Pool;
  let store: EventStore;

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    pool = new Pool({ connectionString: cluster.url, max: 10 });
    await migrate(pool);
    store = new EventStore(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await cluster?.stop();
  });

  /** Holds a transaction with an id open (anywhere on the server) until `end` is called. */
  async function openTransaction(): Promise<{ end: () => Promise<void> }> {
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    return {
      end: async () => {
        await client.query('COMMIT');
        client.release();
      },
    };
  }

  it('says held back while an older transaction is open, and reads the event once it ends', async () => {
    // Given the head, and an open transaction older than an append that commits
    const head = await readHeadPosition(pool);
    const older = await openTransaction();
    const { events } = await store.append('held:a', [{ type: 'A', data: {} }]);
    // Then the event is not readable yet, and the read says it is held back (for its category only)
    expect(await readLogBatch(pool, { after: head })).toEqual({ events: [], heldBack: true });
    expect(await readLogBatch(pool, { after: head, categories: ['other'] })).toEqual({ events: [], heldBack: false });
    // When the older transaction ends, then the event is read and nothing is held back
    await older.end();
    const read = await readLogBatch(pool, { after: head });
    expect(read.events.map((e) => e.eventId)).toEqual([events[0].eventId]);
    expect(read.heldBack).toBe(false);
    expect(await readLogBatch(pool, { after: positionOf(read.events[0]) })).toEqual({ events: [], heldBack: false });
  });

  it('lets a tailer get a held-back event within a few ms of the older transaction ending', async () => {
    const notifier = new EventNotifier(cluster.url);
    await notifier.start();
    const abort = new AbortController();
    let position: LogPosition = await readHeadPosition(pool);
    const seenAt = new Map<string, number>();
    // Given a tailer as the relay and watches tail: woken by appends, re-reading when held back
    const tailer = (async () => {
      let attempt = 0;
      while (!abort.signal.aborted) {
        const mark = notifier.mark();
        const { events, heldBack } = await readLogBatch(pool, { after: position, categories: ['held'] });
        for (const e of events) {
          seenAt.set(e.streamId, Date.now());
          position = positionOf(e);
        }
        if (heldBack) await notifier.wait(abort.signal, heldBackRetryMs(attempt++), undefined, mark);
        else {
          attempt = 0;
          await notifier.wait(abort.signal, 1000, new Set(['held']), mark);
        }
      }
    })();
    try {
      // When an append commits while an older transaction, which appends nothing (so its end
      // wakes nobody), stays open
      const older = await openTransaction();
      await store.append('held:newer', [{ type: 'Newer', data: {} }]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seenAt.has('held:newer')).toBe(false);
      await older.end();
      const endedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Then the tailer has the event within 50 ms of the older transaction's end (not on its poll)
      expect(seenAt.get('held:newer')! - endedAt).toBeLessThan(50);
    } finally {
      abort.abort();
      await tailer;
      await notifier.stop();
    }
  });
});
