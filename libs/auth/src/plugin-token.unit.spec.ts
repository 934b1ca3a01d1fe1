import { randomBytes } from 'node:crypto';
import { JwtAuthority } from './jwt-authority';
import { issuePluginToken } from './plugin-token';

describe('a plugin token', () => {
  it('names the user system:plugin:<name> in no group but system:authenticated', () => {
    const authority = new JwtAuthority(randomBytes(32));
    const principal = authority.verify(issuePluginToken(authority, 'datasource'));
    expect(principal).toEqual({ sub: 'system:plugin:datasource', groups: ['system:authenticated'] });
  });

  it('is refused by another authority and expires', () => {
    const authority = new JwtAuthority(randomBytes(32));
    expect(() => new JwtAuthority(randomBytes(32)).verify(issuePluginToken(authority, 'datasource'))).toThrow(/invalid/);
    const token = issuePluginToken(authority, 'datasource', 1);
    const { exp, iat } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number; iat: number };
    expect(exp - iat).toBe(1);
  });
});
