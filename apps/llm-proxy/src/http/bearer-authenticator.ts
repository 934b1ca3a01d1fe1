import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { JwtAuthority, type Principal, principalFromAuthorizationHeader } from '@kastra/auth';
import { VerifiedTokenCache } from './verified-token-cache';

/** As @kastra/auth parses it: `Bearer <header.payload.signature>`. */
const BEARER = /^Bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ \t]*$/i;

/**
 * Who calls: `Authorization: Bearer <JWT>`, or the JWT in `x-api-key` where the Anthropic SDK
 * puts its key. One per process, shared by the Nest guard and the fast edge so both reuse the
 * same verified tokens. Throws UnauthorizedError when there is no valid token.
 */
@Injectable()
export class BearerAuthenticator {
  private readonly verified = new VerifiedTokenCache();

  constructor(@Inject(JwtAuthority) private readonly authority: JwtAuthority) {}

  principalOf(headers: IncomingHttpHeaders): Principal {
    const apiKeyHeader = headers['x-api-key'];
    const header = headers.authorization ?? (typeof apiKeyHeader === 'string' && apiKeyHeader !== '' ? `Bearer ${apiKeyHeader}` : undefined);
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    // Malformed or repeated headers take the shared path, which names what is wrong.
    return token ? this.verified.principalOf(token, (value) => this.authority.verify(value)) : principalFromAuthorizationHeader(header, this.authority);
  }
}
