import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { appendToStream } from './append-to-stream';
import { EventStore } from './event-store';
import { migrate } from './event-store-schema';
import { StreamVersionConflictError } from './event-store-errors';
import { STREAM_DOES_NOT_EXIST } from './expected-version';

describe('group commit of concurrent appends on a pool', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('groupcommit');
    pool = db.pool({ max: 10 });
    await migrate(pool);
    store = new EventStore(pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('lets concurrent appends share commits, each with its own versions and events in order', async () => {
    // When 40 appends of 2 events each to 40 streams run at once
    const streams = Array.from({ length: 40 }, () => `group:${randomUUID()}`);
    const results = await Promise.all(streams.map((s, i) => store.append(s, [{ type: 'A', data: { i } }, { type: 'B', data: { i } }], { expectedVersion: STREAM_DOES_NOT_EXIST })));
    // Then each got versions 1-2 of its stream, and fewer transactions than appends committed them
    for (const [i, result] of results.entries()) {
      expect(result.nextExpectedStreamVersion).toBe(2);
      expect(result.events.map((e) => [e.streamId, e.streamVersion, e.type, e.data])).toEqual([
        [streams[i], 1, 'A', { i }],
        [streams[i], 2, 'B', { i }],
      ]);
      expect(BigInt(result.events[1].globalPosition)).toBeGreaterThan(BigInt(result.events[0].globalPosition));
    }
    expect(new Set(results.map((r) => r.events[0].transactionId)).size).toBeLessThan(40);
    // And the log holds exactly what each append returned
    for (const [i, result] of results.entries()) expect((await store.readStream(streams[i])).map((e) => e.eventId)).toEqual(result.events.map((e) => e.eventId));
  });

  it('fails only the appends whose check fails, each with its own head', async () => {
    // Given 10 streams at version 1
    const streams = Array.from({ length: 10 }, () => `group:${randomUUID()}`);
    for (const s of streams) await store.append(s, [{ type: 'A', data: {} }]);
    // When 10 appends run at once, the odd ones expecting a wrong version
    const settled = await Promise.allSettled(streams.map((s, i) => store.append(s, [{ type: 'B', data: {} }], { expectedVersion: i % 2 === 0 ? 1 : 7 })));
    // Then the even ones are at version 2, and each odd one alone failed, saying the head is 1
    settled.forEach((result, i) => {
      if (i % 2 === 0) expect(result.status === 'fulfilled' && result.value.events[0].streamVersion).toBe(2);
      else {
        expect(result.status).toBe('rejected');
        const error = (result as PromiseRejectedResult).reason as StreamVersionConflictError;
        expect(error).toBeInstanceOf(StreamVersionConflictError);
        expect([error.streamId, error.actual]).toEqual([streams[i], 1]);
      }
    });
    for (const [i, s] of streams.entries()) expect((await store.readStream(s)).map((e) => e.type)).toEqual(i % 2 === 0 ? ['A', 'B'] : ['A']);
  });

  it('keeps a conflict with a writer outside the batch, or a bad value, to the append it concerns', async () => {
    // Given a transaction elsewhere holding version 1 of a stream, not yet committed
    const contested = `group:${randomUUID()}`;
    let commitOther!: () => void;
    const otherMayCommit = new Promise<void>((resolve) => (commitOther = resolve));
    const other = store.transaction(async (client) => {
      await appendToStream(client, contested, [{ type: 'Other', data: {} }], { expectedVersion: STREAM_DOES_NOT_EXIST });
      await otherMayCommit;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // When appends run at once: one creating the contested stream, one with a value Postgres
    // refuses (a NUL character in JSON), and 8 good ones
    const good = Array.from({ length: 8 }, () => `group:${randomUUID()}`);
    const appends = [
      store.append(contested, [{ type: 'Mine', data: {} }], { expectedVersion: STREAM_DOES_NOT_EXIST }),
      store.append(`group:${randomUUID()}`, [{ type: 'Bad', data: { text: 'a\u0000b' } }]),
      ...good.map((s) => store.append(s, [{ type: 'Good', data: {} }], { expectedVersion: STREAM_DOES_NOT_EXIST })),
    ];
    const settled = Promise.allSettled(appends);
    await new Promise((resolve) => setTimeout(resolve, 100));
    commitOther();
    await other;
    const [mine, bad, ...rest] = await settled;
    // Then the contested one alone conflicts, the bad one alone fails, and the others are written
    expect(mine.status === 'rejected' && mine.reason).toBeInstanceOf(StreamVersionConflictError);
    expect(bad.status).toBe('rejected');
    expect(bad.status === 'rejected' && bad.reason).not.toBeInstanceOf(StreamVersionConflictError);
    expect(rest.map((r) => r.status)).toEqual(Array(8).fill('fulfilled'));
    expect((await store.readStream(contested)).map((e) => e.type)).toEqual(['Other']);
    for (const s of good) expect((await store.readStream(s)).map((e) => e.type)).toEqual(['Good']);
  });

  it('keeps the order of concurrent appends to one stream', async () => {
    const stream = `group:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.append(stream, [{ type: `E${i}`, data: {} }])));
    expect(results.map((r) => r.events[0].streamVersion)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect((await store.readStream(stream)).map((e) => e.type)).toEqual(Array.from({ length: 12 }, (_, i) => `E${i}`));
  });
});
