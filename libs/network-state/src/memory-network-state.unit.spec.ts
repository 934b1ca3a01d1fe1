import { Pool } from 'pg';
import { MemoryNetworkState, MemoryStateData } from './memory-network-state';
import { MAX_STATE_VALUE_BYTES, type NetworkStateChange } from './network-state';
import { NetworkStateStore } from './network-state-store';

/** A clock the test moves. */
function fakeClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

function until(probe: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => (probe() ? resolve() : Date.now() > deadline ? reject(new Error('condition not met in time')) : setTimeout(check, 5));
    check();
  });
}

describe('network state in memory', () => {
  const clock = fakeClock();
  const state = (ttlSeconds = 60) => new MemoryNetworkState(new MemoryStateData(), ttlSeconds, clock.now, 20);

  it('sets, updates, reads one key or all, and deletes a key written as null', async () => {
    // Given a state with two keys set one by one and one more by update
    const s = state();
    await s.set('topic', 'tea');
    await s.set('sources', [{ url: 'https://example.org' }]);
    await s.update({ draft: { words: 120 }, topic: 'green tea' });
    // Then each key reads back, the update replaced topic, and getAll has them all
    expect(await s.get('topic')).toBe('green tea');
    expect(await s.get('missing')).toBeUndefined();
    expect(await s.getAll()).toEqual({ topic: 'green tea', sources: [{ url: 'https://example.org' }], draft: { words: 120 } });
    // When a key is written as null
    await s.update({ draft: null });
    // Then it is gone
    expect(await s.getAll()).toEqual({ topic: 'green tea', sources: [{ url: 'https://example.org' }] });
  });

  it('hands out copies: changing a value read does not change the state', async () => {
    const s = state();
    const value = { n: 1 };
    await s.set('k', value);
    value.n = 2;
    const read = (await s.get('k')) as { n: number };
    read.n = 3;
    expect(await s.get('k')).toEqual({ n: 1 });
  });

  it('expires a key ttl seconds after its last write, each key on its own', async () => {
    // Given a ttl of 10 s, a written at 0 s and b at 0 s then rewritten at 6 s
    const s = state(10);
    await s.update({ a: 1, b: 1 });
    clock.advance(6_000);
    await s.set('b', 2);
    expect((await s.snapshot()).expiresAt).toEqual({ a: new Date(clock.now() + 4_000).toISOString(), b: new Date(clock.now() + 10_000).toISOString() });
    // When 10 s have passed since a's write
    clock.advance(4_000);
    // Then a is gone and b (written 4 s ago) is not
    expect(await s.get('a')).toBeUndefined();
    expect(await s.getAll()).toEqual({ b: 2 });
    // And 10 s after b's rewrite, b is gone too
    clock.advance(6_000);
    expect(await s.getAll()).toEqual({});
  });

  it('refuses values that are not JSON, oversized values and bad keys, writing nothing of the update', async () => {
    const s = state();
    await s.set('keep', 1);
    await expect(s.update({ fine: 1, big: 'x'.repeat(MAX_STATE_VALUE_BYTES) })).rejects.toMatchObject({ name: 'NetworkStateError', reason: 'value_too_large', message: expect.stringContaining('"big"') });
    await expect(s.set('n', 10n)).rejects.toMatchObject({ reason: 'not_json' });
    await expect(s.set('u', undefined)).rejects.toMatchObject({ reason: 'not_json' });
    await expect(s.set('', 1)).rejects.toMatchObject({ reason: 'invalid_key' });
    await expect(s.set('k'.repeat(257), 1)).rejects.toMatchObject({ reason: 'invalid_key' });
    expect(await s.getAll()).toEqual({ keep: 1 });
  });

  it('caps the whole state at 1 MiB but lets an oversized write shrink it', async () => {
    // Given four values of 200 KiB (800 KiB)
    const s = state();
    const chunk = 'x'.repeat(200 * 1024);
    await s.update({ a: chunk, b: chunk, c: chunk, d: chunk });
    // When a fifth and sixth would take it past 1 MiB
    await expect(s.update({ e: chunk, f: chunk })).rejects.toMatchObject({ reason: 'state_too_large', message: expect.stringContaining('at most 1.00 MiB') });
    // Then nothing of it was written, and replacing a value by a smaller one still works
    expect(Object.keys(await s.getAll())).toEqual(['a', 'b', 'c', 'd']);
    await s.update({ a: 'small', e: chunk });
    expect(Object.keys(await s.getAll())).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('tells a watcher the live keys, then every write, deletion and expiry, until it stops', async () => {
    // Given a state with one key and a watcher
    const s = state(10);
    await s.set('seen', 'before');
    const changes: NetworkStateChange[] = [];
    const stop = s.watch((change) => changes.push(change));
    await until(() => changes.length === 1);
    // When keys are written and deleted
    await s.update({ a: 1, b: 2 });
    await s.set('a', null);
    // And b's ttl passes
    clock.advance(11_000);
    await until(() => changes.length === 6);
    // Then the watcher saw each change once, the expiries as deletions
    expect(changes).toEqual([
      { key: 'seen', value: 'before' },
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'a', deleted: true },
      { key: expect.any(String), deleted: true },
      { key: expect.any(String), deleted: true },
    ]);
    expect(changes.slice(4).map((c) => c.key).sort()).toEqual(['b', 'seen']);
    // And after stop, nothing more
    stop();
    await s.set('late', 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(changes).toHaveLength(6);
  });

  it('stops a watch when its signal aborts', async () => {
    const s = state();
    const changes: NetworkStateChange[] = [];
    const abort = new AbortController();
    s.watch((change) => changes.push(change), abort.signal);
    await s.set('one', 1);
    await until(() => changes.length === 1);
    abort.abort();
    await s.set('two', 2);
    expect(changes).toEqual([{ key: 'one', value: 1 }]);
  });
});

describe('NetworkStateStore without persistence', () => {
  // A pool that never connects: nothing here reaches Postgres.
  const pool = new Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
  afterAll(() => pool.end());
  const where = { namespace: 'research', network: 'desk', thread: 't1' };

  it('shares one state between the opens of the same run, and none between runs', async () => {
    // Given a store and two opens of run r1 and one of run r2
    const store = new NetworkStateStore({ pool });
    const first = store.open({ ...where, run: 'r1' });
    const again = store.open({ ...where, run: 'r1' });
    const other = store.open({ ...where, run: 'r2' });
    // When the first handle writes
    await first.set('k', 'v');
    // Then the second open of r1 sees it, r2 and an open without a run do not
    expect(await again.get('k')).toBe('v');
    expect(await other.get('k')).toBeUndefined();
    expect(await store.open(where).get('k')).toBeUndefined();
    // And after release, r1 opens empty
    store.release({ ...where, run: 'r1' });
    expect(await store.open({ ...where, run: 'r1' }).get('k')).toBeUndefined();
  });

  it('refuses an empty thread and a ttl that is not positive', () => {
    const store = new NetworkStateStore({ pool });
    expect(() => store.open({ ...where, thread: '' })).toThrow(expect.objectContaining({ reason: 'invalid_scope' }));
    expect(() => store.open({ ...where, ttlSeconds: 0 })).toThrow(RangeError);
  });
});
