import { UserLimitCache } from './user-limit-cache';
import type { UserLimit } from './user-limits';
import { DefaultedUserLimits } from './user-limits';

/** A store whose reads are counted and answered by hand. */
function manualStore(rows: Record<string, UserLimit>) {
  const reads: string[] = [];
  let failing = false;
  let pending: Array<() => void> = [];
  let held = false;
  return {
    reads,
    fail(on: boolean) {
      failing = on;
    },
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const resume of pending) resume();
      pending = [];
    },
    load: async (user: string): Promise<UserLimit | undefined> => {
      reads.push(user);
      // The row as it was when the read started (a slow query sees the old row).
      const row = rows[user];
      if (held) await new Promise<void>((resolve) => pending.push(resolve));
      if (failing) throw new Error('store unreachable');
      return row;
    },
  };
}

describe('UserLimitCache', () => {
  it('reads a user once per lifetime, answers from memory meanwhile, and reads again after it', async () => {
    // Given a cache with a 1 s lifetime over a store where ann has a limit and bob has none
    let now = 0;
    const store = manualStore({ ann: { rpm: 2 } });
    const cache = new UserLimitCache(store.load, { ttlMs: 1000, now: () => now });
    // When each is asked for repeatedly within the lifetime
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    expect(await cache.get('bob')).toBeUndefined();
    for (let i = 0; i < 5; i++) {
      expect(cache.get('ann')).toEqual({ rpm: 2 });
      expect(cache.get('bob')).toBeUndefined();
    }
    // Then the store was read once each, and the answers came synchronously
    expect(store.reads).toEqual(['ann', 'bob']);
    // And after the lifetime the store is read again
    now = 1000;
    await cache.get('ann');
    expect(store.reads).toEqual(['ann', 'bob', 'ann']);
  });

  it('shares one read between concurrent calls of a user', async () => {
    const store = manualStore({ ann: { tpm: 10 } });
    const cache = new UserLimitCache(store.load, { ttlMs: 1000 });
    store.hold();
    const answers = [cache.get('ann'), cache.get('ann'), cache.get('ann')];
    store.release();
    expect(await Promise.all(answers)).toEqual([{ tpm: 10 }, { tpm: 10 }, { tpm: 10 }]);
    expect(store.reads).toEqual(['ann']);
  });

  it('forgets everything on clear, and does not keep a read that started before it', async () => {
    // Given ann's old limit being read when an admin changes it
    const rows: Record<string, UserLimit> = { ann: { rpm: 2 } };
    const store = manualStore(rows);
    const cache = new UserLimitCache(store.load, { ttlMs: 60_000 });
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

  it('keeps at most maxEntries users, dropping the least recently asked for', async () => {
    const store = manualStore({});
    const cache = new UserLimitCache(store.load, { ttlMs: 60_000, maxEntries: 2 });
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

  it('keeps the previous answer when the store cannot be read, reports the error, and does not retry on every call', async () => {
    let now = 0;
    const errors: string[] = [];
    const store = manualStore({ ann: { rpm: 2 } });
    const cache = new UserLimitCache(store.load, { ttlMs: 1000, now: () => now, onLoadError: (user, error) => errors.push(`${user}: ${(error as Error).message}`) });
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    // When the store goes away after the lifetime
    store.fail(true);
    now = 1000;
    expect(await cache.get('ann')).toEqual({ rpm: 2 });
    expect(cache.get('ann')).toEqual({ rpm: 2 });
    // And a user never read before gets "none" (the defaults)
    expect(await cache.get('bob')).toBeUndefined();
    expect(cache.get('bob')).toBeUndefined();
    expect(errors).toEqual(['ann: store unreachable', 'bob: store unreachable']);
    expect(store.reads).toEqual(['ann', 'ann', 'bob']);
  });
});

describe('DefaultedUserLimits', () => {
  it('gives a user its own limits, a row of nulls no limit at all, and everyone else the defaults', async () => {
    const own: Record<string, UserLimit> = { batch: { rpm: 600, tpm: 1_000_000 }, free: {} };
    const limits = new DefaultedUserLimits({ rpm: 10 }, { overrideOf: async (user) => own[user] });
    expect(await limits.limitsOf('batch')).toEqual({ rpm: 600, tpm: 1_000_000 });
    expect(await limits.limitsOf('free')).toEqual({});
    expect(await limits.limitsOf('someone')).toEqual({ rpm: 10 });
  });

  it('gives everyone the defaults without overrides (no registry)', () => {
    expect(new DefaultedUserLimits({ tpm: 5 }).limitsOf('anyone')).toEqual({ tpm: 5 });
  });
});
