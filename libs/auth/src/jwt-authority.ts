import { createSecretKey, type KeyObject } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { BadRequestError, UnauthorizedError } from '@kastra/api';
import { authenticatedPrincipal, groupsOfRole, isRole, type Principal, type PrincipalClaims } from './principal';

/** Issuer claim of every Kastra token; tokens of other issuers are rejected. */
export const TOKEN_ISSUER = 'kastra';
/** Lifetime of a user token when none is given. */
export const DEFAULT_TOKEN_TTL = '24h';
/** Lifetime of the admin token written into a kubeconfig. */
export const KUBECONFIG_TOKEN_TTL = '365d';

const ALGORITHM = 'HS256';
/** Verified tokens remembered (a client sends the same token with every request). */
const VERIFIED_CACHE_SIZE = 10_000;
const TTL_PATTERN = /^([1-9]\d*)(s|m|h|d|w|y)?$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 };

/**
 * Issues and verifies the gateway's bearer tokens (HS256 JWTs with `sub`, `groups`, `iss`, `exp`).
 * Tokens issued before groups carry `role` instead: `admin` reads as the group `system:masters`.
 * Error messages never contain the token: it is a credential.
 */
export class JwtAuthority {
  /** A KeyObject made once: handing jsonwebtoken raw bytes makes it build one per call (~0.6 ms). */
  private readonly secret: KeyObject;
  /**
   * Tokens already verified, by their exact text: verifying one costs an HMAC and two JSON parses
   * (~0.3–0.7 ms of CPU on every request). A token is a pure function of this authority's secret
   * and its claims, and none can be revoked before its expiry, so an entry is good for exactly as
   * long as the token is: from `nbf` (if any) until `exp`, checked on each use. Oldest first out.
   */
  private readonly verified = new Map<string, { principal: Principal; notBeforeMs: number; expiresAtMs: number }>();

  constructor(secret: string | Buffer) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (bytes.length < 32) throw new Error('the JWT secret must be at least 32 bytes long');
    this.secret = createSecretKey(bytes);
  }

  /**
   * Signs a token for `principal`.
   * @param ttl how long it stays valid: seconds, or a number with unit (`90s`, `15m`, `24h`, `30d`, `2w`, `1y`). @default 24h
   */
  issue(principal: PrincipalClaims, ttl: string | number = DEFAULT_TOKEN_TTL): string {
    if (typeof principal.sub !== 'string' || principal.sub.trim() === '') {
      throw new BadRequestError('a token needs a non-empty subject (user name)');
    }
    if (principal.role !== undefined && !isRole(principal.role)) throw new BadRequestError(`role must be "admin" or "user", not "${String(principal.role)}"`);
    const groups = [...new Set([...(principal.groups ?? []), ...groupsOfRole(principal.role)])];
    if (groups.some((group) => typeof group !== 'string' || group.trim() === '')) throw new BadRequestError('every group must be a non-empty string');
    const expiresIn = parseTtl(ttl);
    return jwt.sign({ groups }, this.secret, {
      algorithm: ALGORITHM,
      subject: principal.sub,
      issuer: TOKEN_ISSUER,
      expiresIn,
    });
  }

  /** Returns the principal of a valid token; throws UnauthorizedError otherwise. */
  verify(token: string): Principal {
    const known = this.verified.get(token);
    const now = Date.now();
    // jsonwebtoken's own bounds: expired once now >= exp, not yet valid while now < nbf (whole seconds).
    if (known && now >= known.notBeforeMs && now < known.expiresAtMs) return { sub: known.principal.sub, groups: [...known.principal.groups] };
    if (known) this.verified.delete(token);
    const { principal, claims } = this.verifyToken(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { principal: { sub: principal.sub, groups: [...principal.groups] }, notBeforeMs: (claims.nbf ?? 0) * 1000, expiresAtMs: claims.exp * 1000 });
    return principal;
  }

  private verifyToken(token: string): { principal: Principal; claims: { exp: number; nbf?: number } } {
    let claims: string | jwt.JwtPayload;
    try {
      claims = jwt.verify(token, this.secret, { algorithms: [ALGORITHM], issuer: TOKEN_ISSUER });
    } catch (error) {
      // jsonwebtoken's messages name the failure (expiry, signature); they never include the token.
      if (error instanceof jwt.TokenExpiredError) throw new UnauthorizedError('the bearer token has expired');
      throw new UnauthorizedError(`the bearer token is invalid: ${(error as Error).message}`);
    }
    if (typeof claims !== 'object' || typeof claims.sub !== 'string' || claims.sub === '') {
      throw new UnauthorizedError('the bearer token is invalid: it lacks a subject');
    }
    // jsonwebtoken checks exp only when present; a token without one would be valid for ever.
    if (typeof claims.exp !== 'number') throw new UnauthorizedError('the bearer token is invalid: it has no expiry (exp)');
    const groups: unknown = claims.groups ?? [];
    if (!Array.isArray(groups) || groups.some((group) => typeof group !== 'string' || group === '')) {
      throw new UnauthorizedError('the bearer token is invalid: groups must be a list of names');
    }
    if (claims.role !== undefined && !isRole(claims.role)) throw new UnauthorizedError('the bearer token is invalid: it carries an unknown role');
    const principal = authenticatedPrincipal(claims.sub, [...(groups as string[]), ...groupsOfRole(claims.role)]);
    return { principal, claims: { exp: claims.exp, ...(typeof claims.nbf === 'number' ? { nbf: claims.nbf } : {}) } };
  }
}

/** Seconds in `ttl`: a positive number of seconds, or digits with a unit (s, m, h, d, w, y). */
export function parseTtl(ttl: string | number): number {
  if (typeof ttl === 'number') {
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new BadRequestError(`ttl must be a positive whole number of seconds, not ${ttl}`);
    return ttl;
  }
  const match = TTL_PATTERN.exec(ttl.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] ?? 's'] : NaN;
  if (!Number.isSafeInteger(seconds)) {
    throw new BadRequestError(`ttl "${ttl}" is not a duration such as 3600, 90s, 15m, 24h, 30d or 1y`);
  }
  return seconds;
}
