import { keyHint } from './key-hint';
import { ModelKeyPool, type KeyPoolState, type PoolEntry } from './model-key-pool';

const entries = (): PoolEntry[] => [
  { keyId: 'a', apiKey: 'sk-a', status: 'enabled' },
  { keyId: 'b', apiKey: 'sk-b', status: 'disabled' },
  { keyId: 'c', apiKey: 'sk-c', status: 'enabled' },
  { keyId: 'd', apiKey: 'sk-d', status: 'enabled' },
];

function pool(mode: string, now = () => 1_000) {
  const state: KeyPoolState = { cursor: 0, coolingUntil: new Map() };
  const invalid: Array<[string, string]> = [];
  const used: string[] = [];
  const keyPool = new ModelKeyPool(entries(), {
    mode,
    state,
    now,
    persistInvalid: async (keyId, reason) => void invalid.push([keyId, reason]),
    onUse: (keyId) => used.push(keyId),
  });
  return { keyPool, state, invalid, used };
}

describe('ModelKeyPool', () => {
  it('round-robins over enabled keys only, and single mode always takes the first usable key', () => {
    const { keyPool, used } = pool('round-robin');
    expect([1, 2, 3, 4].map(() => keyPool.next()?.keyId)).toEqual(['a', 'c', 'd', 'a']);
    expect(used).toEqual(['a', 'c', 'd', 'a']);
    expect(keyPool.size).toBe(4);
    const single = pool('single').keyPool;
    expect([1, 2].map(() => single.next()?.keyId)).toEqual(['a', 'a']);
  });

  it('skips a key marked invalid (and persists it) and one cooling down until its time is up', async () => {
    let now = 1_000;
    const { keyPool, invalid } = pool('single', () => now);
    await keyPool.markInvalid('a', 'upstream 401');
    expect(invalid).toEqual([['a', 'upstream 401']]);
    expect(keyPool.next()?.keyId).toBe('c');
    keyPool.coolDown('c', 5_000);
    expect(keyPool.next()?.keyId).toBe('d');
    keyPool.coolDown('d', 1_000);
    expect(keyPool.next()).toBeUndefined();
    now += 1_000;
    expect(keyPool.next()?.keyId).toBe('d');
    // A shorter cool-down never shortens a longer one
    keyPool.coolDown('c', 1);
    now += 3_000;
    expect(keyPool.next()?.keyId).toBe('d');
    now += 1_000;
    expect(keyPool.next()?.keyId).toBe('c');
  });

  it('keeps the round-robin cursor in the shared state, so a new resolution continues the rotation', () => {
    const { keyPool, state } = pool('round-robin');
    keyPool.next();
    const next = new ModelKeyPool(entries(), { mode: 'round-robin', state, persistInvalid: async () => undefined });
    expect(next.next()?.keyId).toBe('c');
  });
});

describe('keyHint', () => {
  it('shows a short prefix and the last four characters, and nothing of a short key', () => {
    expect(keyHint('sk-proj-abcdefghijklmnop1234')).toBe('sk-…1234');
    expect(keyHint('AIzaSyA-very-long-gemini-key-9876')).toBe('…9876');
    expect(keyHint('short-key')).toBe('…(9 chars)');
  });
});
