import { RefreshingCache } from './refreshing-cache';

type Limit = { rpm?: number; tpm?: number };

/** A store whose reads are counted and answered by hand. */
function manualStore(rows: Record<string, Limit>) {
  const reads: string[] = [];
  let failing: Error | undefined;
  let pending: Array<() => void> = [];
  let held = false;
  return {
    reads,
    fail(error: Error | undefined) {
      failing = error;
    },
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const resume of pending) resume();
      pending = [];
    },
    load: async (user: string): Promise<Limit | undefined> => {
      reads.push(user);
      // The row as it was when the read started (a slow query sees the old row).
      const row = rows[user];
      if (held) await new Promise<void>((resolve) => pending.push(resolve));
      if (failing) throw failing;
      return row;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RefreshingCache', () => {
  it('reads a key once per lifetime and answers from memory, synchronously, meanwhile', async () => {
    // Given a cache with a 1 s lifetime over a store where ann has a limit and bob has none
    const store = manualStore({ ann: { rpm: 2 } });
    const cache = new RefreshingCache(store.load, { ttlMs: 1000 });
    // When each is asked for repeatedly within the lifetime
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    expect(await cache.get('bob')).toBeUndefined();
    for (let i = 0; i < 5; i++) {
      expect(cache.get('ann')).toEqual({ rpm: 2 });
      expect(cache.get('bob')).toBeUndefined();
    }
    // Then the store was read once each
    expect(store.reads).toEqual(['ann', 'bob']);
  });

  it('past the lifetime, answers the old value at once while one background read replaces it', async () => {
    // Given ann's limit read, then changed in the store behind the cache's back
    let now = 0;
    const rows: Record<string, Limit> = { ann: { rpm: 2 } };
    const store = manualStore(rows);
    const cache = new RefreshingCache(store.load, { ttlMs: 1000, now: () => now });
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    rows.ann = { rpm: 50 };
    // When the lifetime is over and the store is slow to answer
    now = 1000;
    store.hold();
    // Then every caller meanwhile gets the old value synchronously: nobody waits for the read
    expect(cache.get('ann')).toEqual({ rpm: 2 });
    expect(cache.get('ann')).toEqual({ rpm: 2 });
    expect(store.reads).toEqual(['ann', 'ann']);
    // And once the read is in, the new value is answered (for a whole new lifetime)
    store.release();
    await settle();
    expect(cache.get('ann')).toEqual({ rpm: 50 });
    now = 1999;
    expect(cache.get('ann')).toEqual({ rpm: 50 });
    expect(store.reads).toEqual(['ann', 'ann']);
  });

  it('shares one read between concurrent callers of a key', async () => {
    const store = manualStore({ ann: { tpm: 10 } });
    const cache = new RefreshingCache(store.load, { ttlMs: 1000 });
    store.hold();
    const answers = [cache.get('ann'), cache.get('ann'), cache.get('ann')];
    store.release();
    expect(await Promise.all(answers)).toEqual([{ tpm: 10 }, { tpm: 10 }, { tpm: 10 }]);
    expect(store.reads).toEqual(['ann']);
  });

  it('forgets everything on clear, and does not keep a read that started before it', async () => {
    // Given ann's old limit being read when an admin changes it
    const rows: Record<string, Limit> = { ann: { rpm: 2 } };
    const store = manualStore(rows);
    const cache = new RefreshingCache(store.load, { ttlMs: 60_000 });
    store.hold();
    const stale = cache.get('ann');
    rows.ann = { rpm: 50 };
    cache.clear();
    store.release();
    // Then the read under way answers its caller, but the next call reads the new row
    expect(await stale).toEqual({ rpm: 2 });
    expect(await cache.get('ann')).toEqual({ rpm: 50 });
    expect(cache.get('ann')).toEqual({ rpm: 50 });
    expect(store.reads).toEqual(['ann', 'ann']);
  });

  it('never drops the key it has just read, even when every other key was asked for', async () => {
    const store = manualStore({});
    const cache = new RefreshingCache(store.load, { ttlMs: 60_000, maxEntries: 2 });
    await cache.get('a');
    await cache.get('b');
    cache.get('a');
    cache.get('b');
    await cache.get('c');
    // a and b both use up their second chance and the oldest of them, a, goes; c stays
    // (a hit answers synchronously — these rows are undefined — where a miss gives a promise)
    expect(cache.size).toBe(2);
    expect(cache.get('c')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect(store.reads).toEqual(['a', 'b', 'c']);
    // Reading a again: b and c were both asked for just now, so again the oldest (b) goes
    await cache.get('a');
    expect(store.reads).toEqual(['a', 'b', 'c', 'a']);
    expect(cache.get('c')).toBeUndefined();
    expect(store.reads).toEqual(['a', 'b', 'c', 'a']);
    expect(cache.size).toBe(2);
  });

  it('keeps at most maxEntries keys, dropping one not asked for since the last pass', async () => {
    const store = manualStore({});
    const cache = new RefreshingCache(store.load, { ttlMs: 60_000, maxEntries: 2 });
    await cache.get('a');
    await cache.get('b');
    cache.get('a');
    await cache.get('c');
    // b was the least recent: dropped; a is still in memory
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(store.reads).toEqual(['a', 'b', 'c']);
    await cache.get('b');
    expect(store.reads).toEqual(['a', 'b', 'c', 'b']);
  });

  it('with onLoadError, keeps the previous value when the store cannot be read, reports it, and does not retry on every call', async () => {
    let now = 0;
    const errors: string[] = [];
    const store = manualStore({ ann: { rpm: 2 } });
    const cache = new RefreshingCache<Limit | undefined>(store.load, {
      ttlMs: 1000,
      now: () => now,
      onLoadError: (user, error, previous) => {
        errors.push(`${user}: ${(error as Error).message}`);
        return previous?.value;
      },
    });
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    // When the store goes away after the lifetime
    store.fail(new Error('store unreachable'));
    now = 1000;
    expect(cache.get('ann')).toEqual({ rpm: 2 });
    await settle();
    expect(cache.get('ann')).toEqual({ rpm: 2 });
    // And a key never read before gets what onLoadError gives (here: nothing)
    expect(await cache.get('bob')).toBeUndefined();
    expect(cache.get('bob')).toBeUndefined();
    expect(errors).toEqual(['ann: store unreachable', 'bob: store unreachable']);
    expect(store.reads).toEqual(['ann', 'ann', 'bob']);
  });

  it('without onLoadError, gives a first read’s error to its callers and a failed refresh forgets the key', async () => {
    let now = 0;
    const store = manualStore({ ann: { rpm: 2 } });
    const cache = new RefreshingCache(store.load, { ttlMs: 1000, now: () => now });
    // A first read that fails: the error reaches the caller, nothing is kept
    store.fail(new Error('no such model'));
    await expect(cache.get('ann')).rejects.toThrow('no such model');
    expect(cache.size).toBe(0);
    // A read that works, then a refresh that fails: the stale value is answered once more, then forgotten
    store.fail(undefined);
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    now = 1000;
    store.fail(new Error('gone now'));
    expect(cache.get('ann')).toEqual({ rpm: 2 });
    await settle();
    expect(cache.size).toBe(0);
    await expect(cache.get('ann')).rejects.toThrow('gone now');
  });

  it('keeps nothing with a lifetime of 0: every call reads, concurrent calls share the read', async () => {
    const store = manualStore({ ann: { rpm: 2 } });
    const cache = new RefreshingCache(store.load, { ttlMs: 0 });
    store.hold();
    const both = [cache.get('ann'), cache.get('ann')];
    store.release();
    await Promise.all(both);
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    expect(store.reads).toEqual(['ann', 'ann']);
  });
});
