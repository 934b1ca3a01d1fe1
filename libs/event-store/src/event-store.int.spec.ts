import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { appendToStream } from './append-to-stream';
import { EventStore } from './event-store';
import { migrate } from './event-store-schema';
import { StreamVersionConflictError } from './event-store-errors';
import { STREAM_DOES_NOT_EXIST, STREAM_EXISTS } from './expected-version';
import { decodeAppendWake, EVENTS_APPENDED_CHANNEL } from './commit-wakes';
import { LOG_START, positionOf, type LogPosition } from './log-position';
import { readAllEvents } from './read-all-events';

describe('EventStore (Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('eventstore');
    pool = db.pool({ max: 20 });
    await migrate(pool);
    store = new EventStore(pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('appends with versions and reads a stream back in order', async () => {
    // Given a new stream
    const streamId = `test:${randomUUID()}`;
    // When two appends happen, the second expecting version 1
    await store.append(streamId, [{ type: 'A', data: { n: 1 } }], { expectedVersion: STREAM_DOES_NOT_EXIST, metadata: { actor: 'user:ann' } });
    const second = await store.append(streamId, [{ type: 'B', data: { n: 2 } }, { type: 'C', data: { n: 3 } }], { expectedVersion: 1 });
    // Then versions are 1..3 and metadata is kept
    expect(second.nextExpectedStreamVersion).toBe(3);
    const events = await store.readStream(streamId);
    expect(events.map((e) => [e.type, e.streamVersion])).toEqual([['A', 1], ['B', 2], ['C', 3]]);
    expect(events[0].metadata.actor).toBe('user:ann');
    expect(events[0].category).toBe('test');
  });

  it('rejects an append at a stale expected version and stores nothing', async () => {
    const streamId = `test:${randomUUID()}`;
    await store.append(streamId, [{ type: 'A', data: {} }], { expectedVersion: STREAM_DOES_NOT_EXIST });
    await expect(store.append(streamId, [{ type: 'X', data: {} }], { expectedVersion: STREAM_DOES_NOT_EXIST })).rejects.toBeInstanceOf(
      StreamVersionConflictError,
    );
    await expect(store.append(streamId, [{ type: 'X', data: {} }], { expectedVersion: 5 })).rejects.toBeInstanceOf(StreamVersionConflictError);
    expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['A']);
  });

  it('checks stream_exists, reports the head on a conflict, and wakes listeners only when it wrote', async () => {
    const listener = await pool.connect();
    const wakes: string[] = [];
    // A notification carries the categories appended since the process's previous one.
    listener.on('notification', (n) => wakes.push(...(decodeAppendWake(n.payload).categories ?? ['*'])));
    await listener.query(`LISTEN ${EVENTS_APPENDED_CHANNEL}`);
    try {
      const streamId = `checks:${randomUUID()}`;
      // Given no stream: stream_exists refuses and says the head is 0, and nobody is woken
      const refused = await store.append(streamId, [{ type: 'X', data: {} }], { expectedVersion: STREAM_EXISTS }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StreamVersionConflictError);
      expect((refused as StreamVersionConflictError).actual).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(wakes.filter((w) => w === 'checks')).toHaveLength(0);
      // When it is created, then extended with stream_exists
      await store.append(streamId, [{ type: 'A', data: {} }, { type: 'B', data: {} }]);
      const extended = await store.append(streamId, [{ type: 'C', data: { n: 3 } }], { expectedVersion: STREAM_EXISTS });
      // Then versions follow the head, and the writes woke listeners with the category (one
      // notification each, or one for both when the second committed while the first was in flight)
      expect(extended.events.map((e) => [e.type, e.streamVersion])).toEqual([['C', 3]]);
      expect(extended.nextExpectedStreamVersion).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const afterWrites = wakes.filter((w) => w === 'checks').length;
      expect(afterWrites).toBeGreaterThanOrEqual(1);
      expect(afterWrites).toBeLessThanOrEqual(2);
      // And an append inside a transaction that rolls back leaves nothing and wakes nobody
      await store
        .transaction(async (client) => {
          await appendToStream(client, streamId, [{ type: 'Z', data: {} }], { expectedVersion: 3 });
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      expect(wakes.filter((w) => w === 'checks')).toHaveLength(afterWrites);
    } finally {
      await listener.query(`UNLISTEN ${EVENTS_APPENDED_CHANNEL}`);
      listener.release();
    }
  });

  it('lets exactly one of many concurrent appenders at the same version win', async () => {
    const streamId = `test:${randomUUID()}`;
    await store.append(streamId, [{ type: 'A', data: {} }]);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.append(streamId, [{ type: `W${i}`, data: {} }], { expectedVersion: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof StreamVersionConflictError)).toBe(true);
    expect(await store.readStream(streamId)).toHaveLength(2);
  });

  it('never lets a log reader skip an event whose transaction commits late', async () => {
    // Given a reader tailing the log while one transaction holds its append open
    const seen: string[] = [];
    let position: LogPosition = LOG_START;
    const readBatch = async () => {
      for (const e of await readAllEvents(pool, { after: position, limit: 100000 })) {
        if (e.category === 'late') seen.push(e.eventId);
        position = positionOf(e);
      }
    };
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((r) => (releaseSlow = r));
    const slow = store.transaction(async (client) => {
      const r = await appendToStream(client, `late:${randomUUID()}`, [{ type: 'Slow', data: {} }]);
      await slowGate; // commits after the fast ones below
      return r.events[0].eventId;
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      // When many fast appends commit meanwhile and the reader reads past them
      const fast = await Promise.all(Array.from({ length: 20 }, () => store.append(`late:${randomUUID()}`, [{ type: 'Fast', data: {} }])));
      await readBatch();
      releaseSlow();
      const expected = [...fast.map((f) => f.events[0].eventId), await slow];
      // Then the reader sees every event, the slow one included, exactly once. (Readers stay below
      // the oldest open transaction of the whole cluster, so other test files can delay them.)
      const deadline = Date.now() + 20000;
      while (seen.length < expected.length && Date.now() < deadline) {
        await readBatch();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(new Set(seen)).toEqual(new Set(expected));
      expect(seen).toHaveLength(expected.length);
    } finally {
      releaseSlow();
      await slow.catch(() => undefined);
    }
  });

  it('keeps every event visible to a concurrent tail reader under 8 parallel appenders', async () => {
    const seen = new Set<string>();
    let position: LogPosition = LOG_START;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const batch = await readAllEvents(pool, { after: position, categories: ['burst'], limit: 200 });
        for (const e of batch) {
          if (seen.has(e.eventId)) throw new Error(`seen twice: ${JSON.stringify(e)} after ${JSON.stringify(position)}`);
          seen.add(e.eventId);
          position = positionOf(e);
        }
        if (batch.length === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const written: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 40; i++) {
          const r = await store.append(`burst:${randomUUID()}`, [{ type: 'E', data: { i } }]);
          written.push(r.events[0].eventId);
        }
      }),
    );
    const deadline = Date.now() + 30000;
    while (seen.size < written.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await reader;
    expect(seen.size).toBe(written.length);
  });
});
