import type { Pool } from 'pg';
import { EventNotifier, migrate, readStream } from '@kastra/event-store';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { networkStateStreamId, STATE_DELETED, STATE_SET, type NetworkStateChange } from './network-state';
import { NetworkStateStore } from './network-state-store';

/** A clock the test moves, shared by the "processes" of a test. */
function fakeClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

function until(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => (probe() ? resolve() : Date.now() > deadline ? reject(new Error('condition not met in time')) : setTimeout(check, 10));
    check();
  });
}

/**
 * Persistent network state over the real log. Each NetworkStateStore with its own pool stands for
 * one process (a network-router replica, or one restarted).
 */
describe('persistent network state (Postgres)', () => {
  let db: TestDatabase;
  let pools: Pool[];
  let notifier: EventNotifier;
  const where = (thread: string) => ({ namespace: 'research', network: 'desk', thread, persistence: true, ttlSeconds: 60 });
  const process = (options: { now?: () => number; notifier?: EventNotifier } = {}) => {
    const pool = db.pool({ max: 4 });
    pools.push(pool);
    return new NetworkStateStore({ pool, pollMs: 50, ...options });
  };

  beforeAll(async () => {
    db = await createTestDatabase('networkstate');
    pools = [];
    await migrate(db.pool({ max: 1 }));
    notifier = new EventNotifier(db.url);
    await notifier.start();
  });
  afterAll(async () => {
    await notifier?.stop();
    await db?.drop();
  });

  it('keeps state as StateSet and StateDeleted events that a restarted process reads back', async () => {
    // Given one process writing and deleting keys of thread t1
    const first = process();
    const state = first.open({ ...where('t1'), actor: 'networkrun:research:desk-1' });
    await state.update({ topic: 'tea', sources: ['a', 'b'], draft: 'x' });
    await state.set('draft', null);
    await state.set('topic', 'green tea');
    // When a new process (a restart: new store, new pool, empty cache) opens the same thread
    const restarted = process().open(where('t1'));
    // Then it sees the state as the first left it
    expect(await restarted.getAll()).toEqual({ topic: 'green tea', sources: ['a', 'b'] });
    // And the log holds the writes as events, with the writer
    const events = await readStream(pools[0], networkStateStreamId(where('t1')));
    expect(events.map((e) => [e.type, e.data.key])).toEqual([
      [STATE_SET, 'topic'],
      [STATE_SET, 'sources'],
      [STATE_SET, 'draft'],
      [STATE_DELETED, 'draft'],
      [STATE_SET, 'topic'],
    ]);
    expect(events[0].data).toEqual({ key: 'topic', value: 'tea', expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(events[0].metadata.actor).toBe('networkrun:research:desk-1');
    // And another thread of the same network is separate
    expect(await process().open(where('t2')).getAll()).toEqual({});
  });

  it('lands every write of two processes writing different keys at once, the last write of a key winning', async () => {
    // Given two processes on thread t3, each with its cache warmed
    const a = process().open(where('t3'));
    const b = process().open(where('t3'));
    await Promise.all([a.getAll(), b.getAll()]);
    // When each writes 25 keys of its own concurrently (every append races the other's)
    await Promise.all([
      ...Array.from({ length: 25 }, (_, i) => a.set(`a${i}`, i)),
      ...Array.from({ length: 25 }, (_, i) => b.set(`b${i}`, i)),
    ]);
    // Then all 50 keys are there, read from either
    const all = await a.getAll();
    expect(Object.keys(all)).toHaveLength(50);
    expect(await b.getAll()).toEqual(all);
    // And when both then write the same key one after the other, the later write wins for both
    await a.set('shared', 'from a');
    await b.set('shared', 'from b');
    expect(await a.get('shared')).toBe('from b');
    expect(await b.get('shared')).toBe('from b');
  });

  it('counts the state limit over every writer', async () => {
    // Given two processes, each having written 400 KiB to thread t4
    const chunk = 'x'.repeat(200 * 1024);
    const a = process().open(where('t4'));
    const b = process().open(where('t4'));
    await a.update({ a1: chunk, a2: chunk });
    await b.update({ b1: chunk, b2: chunk });
    // When a writes 400 KiB more (past 1 MiB with b's)
    // Then it is refused though a alone wrote less than the limit
    await expect(a.update({ a3: chunk, a4: chunk })).rejects.toMatchObject({ reason: 'state_too_large' });
  });

  it('expires keys ttl seconds after their last write, in every process, by the reading clock', async () => {
    // Given a ttl of 10 s and two processes on one clock
    const clock = fakeClock();
    const writer = process({ now: clock.now }).open({ ...where('t5'), ttlSeconds: 10 });
    const reader = process({ now: clock.now }).open({ ...where('t5'), ttlSeconds: 10 });
    await writer.update({ a: 1, b: 1 });
    clock.advance(6_000);
    await writer.set('b', 2);
    // When 10 s have passed since a was written
    clock.advance(4_000);
    // Then a is gone for both, b (rewritten 4 s ago) lives until 10 s after its rewrite
    expect(await reader.getAll()).toEqual({ b: 2 });
    expect(await writer.get('a')).toBeUndefined();
    expect((await reader.snapshot()).expiresAt).toEqual({ b: new Date(clock.now() + 6_000).toISOString() });
    clock.advance(6_000);
    expect(await reader.getAll()).toEqual({});
    // And a restarted process replaying the stream agrees
    expect(await process({ now: clock.now }).open(where('t5')).getAll()).toEqual({});
  });

  it('tells a watcher in another process each change, and an expiry as a deletion', async () => {
    // Given a key set before the watch, and a watcher in another process woken by the notifier
    const clock = fakeClock();
    const writer = process({ now: clock.now }).open({ ...where('t6'), ttlSeconds: 10 });
    await writer.set('early', 'e');
    const changes: NetworkStateChange[] = [];
    const abort = new AbortController();
    process({ now: clock.now, notifier }).open(where('t6')).watch((change) => changes.push(change), abort.signal);
    await until(() => changes.length === 1);
    // When the writer writes and deletes, and early's ttl passes
    await writer.update({ a: 1, b: 2 });
    await writer.set('a', null);
    await until(() => changes.length === 4);
    clock.advance(10_000);
    await until(() => changes.length >= 6);
    abort.abort();
    // Then the watcher saw the live key, each write, the deletion and the expiries
    expect(changes.slice(0, 4)).toEqual([{ key: 'early', value: 'e' }, { key: 'a', value: 1 }, { key: 'b', value: 2 }, { key: 'a', deleted: true }]);
    expect(changes.slice(4).sort((x, y) => x.key.localeCompare(y.key))).toEqual([{ key: 'b', deleted: true }, { key: 'early', deleted: true }]);
    // And after the abort, no more
    await writer.set('late', 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).toHaveLength(6);
  });
});
