import { JwtAuthority, type Principal } from '@kastra/auth';
import { VerifiedTokenCache } from './verified-token-cache';

const authority = new JwtAuthority('a-test-secret-of-at-least-32-characters!!');

describe('VerifiedTokenCache', () => {
  it('given a valid token, when asked twice, then it verifies once and returns the same principal', () => {
    const cache = new VerifiedTokenCache();
    const token = authority.issue({ sub: 'ann', role: 'user' }, 3600);
    let verifications = 0;
    const verify = (value: string): Principal => (verifications++, authority.verify(value));
    expect(cache.principalOf(token, verify)).toEqual({ sub: 'ann', groups: ['system:authenticated'] });
    expect(cache.principalOf(token, verify)).toEqual({ sub: 'ann', groups: ['system:authenticated'] });
    expect(verifications).toBe(1);
  });

  it('given an invalid token, then every attempt is verified (and fails): failures are never remembered', () => {
    const cache = new VerifiedTokenCache();
    const token = authority.issue({ sub: 'ann', role: 'user' });
    const tampered = `${token.slice(0, -2)}xx`;
    let verifications = 0;
    const verify = (value: string): Principal => (verifications++, authority.verify(value));
    expect(() => cache.principalOf(tampered, verify)).toThrow(/invalid/);
    expect(() => cache.principalOf(tampered, verify)).toThrow(/invalid/);
    expect(verifications).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('given time passes, then a token is verified again after a minute, and never reused past its own expiry', () => {
    let now = Date.now();
    const cache = new VerifiedTokenCache(10, () => now);
    const long = authority.issue({ sub: 'ann', role: 'admin' }, 3600);
    const short = authority.issue({ sub: 'bob', role: 'user' }, 5);
    const calls: string[] = [];
    const verify = (value: string): Principal => {
      calls.push(value === long ? 'long' : 'short');
      return authority.verify(value);
    };
    cache.principalOf(long, verify);
    cache.principalOf(short, verify);
    now += 6_000;
    cache.principalOf(long, verify);
    // The short token expired at +5 s on the cache's clock: it goes back to verify
    cache.principalOf(short, verify);
    now += 60_000;
    cache.principalOf(long, verify);
    expect(calls).toEqual(['long', 'short', 'short', 'long']);
  });

  it('given more tokens than its capacity, then the oldest are dropped', () => {
    const cache = new VerifiedTokenCache(2);
    const tokens = ['a', 'b', 'c'].map((sub) => authority.issue({ sub, role: 'user' }));
    for (const token of tokens) cache.principalOf(token, (value) => authority.verify(value));
    expect(cache.size).toBe(2);
  });
});
