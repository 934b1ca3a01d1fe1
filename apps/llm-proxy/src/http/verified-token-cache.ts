import type { Principal } from '@kastra/auth';

/** Longest a verification is reused, whatever the token's own expiry. */
const MAX_REUSE_MS = 60_000;
const DEFAULT_CAPACITY = 10_000;

/**
 * Remembers bearer tokens that verified, until they expire (at most a minute): verifying an
 * HS256 JWT costs about a millisecond on this hardware (jsonwebtoken builds a key object per
 * call), more than the rest of the proxy's own work on a call. The key is the whole token,
 * signature included, so only a byte-identical token hits; failures are never remembered.
 * Lives in process memory only, like the token in the request it came from.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly capacity = DEFAULT_CAPACITY, private readonly now: () => number = Date.now) {}

  /** The principal of `token`, verifying it with `verify` unless a still-valid verification is known. */
  principalOf(token: string, verify: (token: string) => Principal): Principal {
    const now = this.now();
    const hit = this.entries.get(token);
    if (hit && hit.until > now) return hit.principal;
    if (hit) this.entries.delete(token);
    const principal = verify(token);
    const expiresAt = expiryOf(token);
    const until = Math.min(now + MAX_REUSE_MS, expiresAt ?? now);
    if (until > now) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(token, { principal, until });
    }
    return principal;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** `exp` of a JWT already verified, in ms; undefined when it has none (such tokens are not cached). */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
