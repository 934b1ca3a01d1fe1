import { randomBytes } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { BadRequestError, UnauthorizedError } from '@kastra/api';
import { JwtAuthority, parseTtl } from './jwt-authority';
import { principalFromAuthorizationHeader } from './principal-from-authorization-header';

const secret = randomBytes(32).toString('base64');

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('JwtAuthority', () => {
  it('verifies the tokens it issues, with subject, groups, issuer and a 24h default expiry', () => {
    // Given an authority
    const authority = new JwtAuthority(secret);
    // When it issues a token with a group and verifies it
    const token = authority.issue({ sub: 'alice', groups: ['team-a'] });
    const principal = authority.verify(token);
    // Then the principal comes back in its groups and system:authenticated, and the claims are HS256 with iss kastra and exp in 24h
    expect(principal).toEqual({ sub: 'alice', groups: ['team-a', 'system:authenticated'] });
    const decoded = jwt.decode(token, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    const claims = decoded.payload as jwt.JwtPayload;
    expect(claims.iss).toBe('kastra');
    expect(claims.exp! - claims.iat!).toBe(24 * 3600);
  });

  it('honours a ttl given with a unit', () => {
    const authority = new JwtAuthority(secret);
    const claims = jwt.decode(authority.issue({ sub: 'root', role: 'admin' }, '365d')) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(365 * 86400);
    expect(claims.groups).toEqual(['system:masters']);
  });

  it('reads the role claim of older tokens: admin is system:masters, user adds no group', () => {
    // Given tokens as issued before groups existed
    const authority = new JwtAuthority(secret);
    const admin = jwt.sign({ role: 'admin' }, secret, { subject: 'root', issuer: 'kastra', expiresIn: 60 });
    const user = jwt.sign({ role: 'user' }, secret, { subject: 'bob', issuer: 'kastra', expiresIn: 60 });
    // When they are verified, Then admin is a member of system:masters and user only authenticated
    expect(authority.verify(admin)).toEqual({ sub: 'root', groups: ['system:masters', 'system:authenticated'] });
    expect(authority.verify(user)).toEqual({ sub: 'bob', groups: ['system:authenticated'] });
  });

  it('rejects groups that are not a list of names', () => {
    const authority = new JwtAuthority(secret);
    for (const groups of ['system:masters', [''], [7]]) {
      const token = jwt.sign({ groups }, secret, { subject: 'eve', issuer: 'kastra', expiresIn: 60 });
      expect(thrown(() => authority.verify(token))).toBeInstanceOf(UnauthorizedError);
    }
  });

  it('rejects an expired token without echoing it', () => {
    // Given a token that expired a minute ago
    const token = jwt.sign({ role: 'admin' }, secret, { subject: 'bob', issuer: 'kastra', expiresIn: -60 });
    // When it is verified
    const error = thrown(() => new JwtAuthority(secret).verify(token));
    // Then it is an UnauthorizedError saying it expired, without the token
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toMatch(/expired/);
    expect(error.message).not.toContain(token);
  });

  it('rejects a token signed with another secret, another issuer, an unknown role or alg none', () => {
    const authority = new JwtAuthority(secret);
    const foreign = new JwtAuthority(randomBytes(32)).issue({ sub: 'eve', role: 'admin' });
    const otherIssuer = jwt.sign({ role: 'admin' }, secret, { subject: 'eve', issuer: 'elsewhere', expiresIn: 60 });
    const unknownRole = jwt.sign({ role: 'root' }, secret, { subject: 'eve', issuer: 'kastra', expiresIn: 60 });
    const unsigned = jwt.sign({ role: 'admin', sub: 'eve', iss: 'kastra' }, null, { algorithm: 'none' });
    for (const token of [foreign, otherIssuer, unknownRole, unsigned, 'not-a-jwt', '']) {
      const error = thrown(() => authority.verify(token));
      expect(error).toBeInstanceOf(UnauthorizedError);
      if (token) expect(error.message).not.toContain(token);
    }
  });

  it('rejects a validly signed token that carries no expiry', () => {
    // Given a token signed with the right secret and issuer but without an exp claim
    const authority = new JwtAuthority(secret);
    const endless = jwt.sign({ role: 'admin' }, secret, { subject: 'eve', issuer: 'kastra', noTimestamp: true });
    // When it is verified
    const error = thrown(() => authority.verify(endless));
    // Then it is an UnauthorizedError naming the missing expiry, without the token
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toMatch(/expiry/);
    expect(error.message).not.toContain(endless);
  });

  it('refuses to issue for an empty subject, an unknown role or a bad ttl, and short secrets', () => {
    const authority = new JwtAuthority(secret);
    expect(() => authority.issue({ sub: ' ', role: 'user' })).toThrow(BadRequestError);
    expect(() => authority.issue({ sub: 'a', role: 'root' as 'user' })).toThrow(/role/);
    expect(() => authority.issue({ sub: 'a', role: 'user' }, '10 parsecs')).toThrow(/ttl/);
    expect(() => authority.issue({ sub: 'a', role: 'user' }, -5)).toThrow(/ttl/);
    expect(() => new JwtAuthority('short')).toThrow(/32 bytes/);
  });
});

describe('parseTtl', () => {
  it('reads seconds and units', () => {
    expect(parseTtl('90')).toBe(90);
    expect(parseTtl(90)).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('24h')).toBe(86400);
    expect(parseTtl('2w')).toBe(14 * 86400);
    expect(parseTtl('1y')).toBe(365 * 86400);
    expect(() => parseTtl('0')).toThrow(BadRequestError);
    expect(() => parseTtl('1.5h')).toThrow(BadRequestError);
  });
});

describe('principalFromAuthorizationHeader', () => {
  const authority = new JwtAuthority(secret);
  const token = authority.issue({ sub: 'carol', role: 'admin' });

  it('accepts "Bearer <jwt>" in any case of the scheme', () => {
    expect(principalFromAuthorizationHeader(`Bearer ${token}`, authority)).toEqual({ sub: 'carol', groups: ['system:masters', 'system:authenticated'] });
    expect(principalFromAuthorizationHeader(`bearer ${token}`, authority)).toEqual({ sub: 'carol', groups: ['system:masters', 'system:authenticated'] });
    expect(principalFromAuthorizationHeader([`Bearer ${token}`], authority).sub).toBe('carol');
  });

  it('rejects missing and malformed headers with UnauthorizedError, never echoing them', () => {
    const bad = [undefined, '', `Basic ${token}`, token, `Bearer`, `Bearer ${token} extra`, `Bearer a.b`, [`Bearer ${token}`, `Bearer ${token}`]];
    for (const header of bad) {
      const error = thrown(() => principalFromAuthorizationHeader(header, authority));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error.message).not.toContain(token);
    }
  });
});
