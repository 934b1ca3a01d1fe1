import { randomBytes } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { UnauthorizedError } from '@kastra/api';
import { JwtAuthority } from './jwt-authority';

/** JwtAuthority remembers verified tokens: a remembered token is valid exactly as long as a fresh verification says. */
describe('JwtAuthority verified-token cache', () => {
  const secret = randomBytes(32);
  afterEach(() => jest.useRealTimers());

  it('stops accepting a remembered token the moment it expires', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const authority = new JwtAuthority(secret);
    const token = authority.issue({ sub: 'alice', groups: ['team'] }, 60);
    expect(authority.verify(token).sub).toBe('alice');
    jest.setSystemTime(new Date('2026-01-01T00:00:59.999Z'));
    expect(authority.verify(token).sub).toBe('alice');
    jest.setSystemTime(new Date('2026-01-01T00:01:00Z'));
    expect(() => authority.verify(token)).toThrow(new UnauthorizedError('the bearer token has expired'));
    // And stays refused (the entry is gone, the full check answers).
    expect(() => authority.verify(token)).toThrow(UnauthorizedError);
  });

  it('does not accept a remembered token before its nbf', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const authority = new JwtAuthority(secret);
    const nbf = Math.floor(Date.now() / 1000) + 30;
    const token = jwt.sign({ groups: [], nbf }, secret, { algorithm: 'HS256', subject: 'later', issuer: 'kastra', expiresIn: 3600 });
    expect(() => authority.verify(token)).toThrow(UnauthorizedError);
    jest.setSystemTime(new Date('2026-01-01T00:00:30Z'));
    expect(authority.verify(token).sub).toBe('later');
    expect(authority.verify(token).sub).toBe('later');
  });

  it('never lets a token of another secret, or an altered one, ride on a remembered one', () => {
    const authority = new JwtAuthority(secret);
    const token = authority.issue({ sub: 'alice' });
    authority.verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), groups: ['system:masters'] })).toString('base64url');
    expect(() => authority.verify(`${header}.${forged}.${signature}`)).toThrow(UnauthorizedError);
    expect(() => new JwtAuthority(randomBytes(32)).verify(token)).toThrow(UnauthorizedError);
  });

  it('hands out a principal a caller may change without changing the next one', () => {
    const authority = new JwtAuthority(secret);
    const token = authority.issue({ sub: 'alice', groups: ['team'] });
    const first = authority.verify(token);
    first.groups.push('system:masters');
    expect(authority.verify(token)).toEqual({ sub: 'alice', groups: ['team', 'system:authenticated'] });
  });
});
