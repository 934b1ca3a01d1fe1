import { UnauthorizedError } from '@kastra/api';
import type { JwtAuthority } from './jwt-authority';
import type { Principal } from './principal';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ \t]*$/i;

/**
 * The principal of an HTTP `Authorization: Bearer <jwt>` header.
 * Missing, malformed or invalid headers throw UnauthorizedError (without echoing the header).
 */
export function principalFromAuthorizationHeader(header: string | string[] | undefined, authority: JwtAuthority): Principal {
  if (header === undefined || header === '') throw new UnauthorizedError('an Authorization: Bearer token is required');
  if (Array.isArray(header)) {
    if (header.length !== 1) throw new UnauthorizedError('exactly one Authorization header is allowed');
    return principalFromAuthorizationHeader(header[0], authority);
  }
  const match = BEARER.exec(header);
  if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>" with a JWT');
  return authority.verify(match[1]);
}
