import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { JwtAuthority, principalFromAuthorizationHeader } from '@kastra/auth';
import { startClock } from '../calls/call-context';
import type { LlmRequest } from './llm-request';
import { VerifiedTokenCache } from './verified-token-cache';

/** As @kastra/auth parses it: `Bearer <header.payload.signature>`. */
const BEARER = /^Bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ \t]*$/i;

/**
 * Every call carries `Authorization: Bearer <JWT>` (401 otherwise, before any work); the
 * Anthropic SDK sends its key as `x-api-key`, so a JWT there is accepted too.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly verified = new VerifiedTokenCache();

  constructor(private readonly authority: JwtAuthority) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<LlmRequest>();
    req.llmClock ??= startClock();
    const apiKeyHeader = req.headers['x-api-key'];
    const header = req.headers.authorization ?? (typeof apiKeyHeader === 'string' && apiKeyHeader !== '' ? `Bearer ${apiKeyHeader}` : undefined);
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    // Malformed or repeated headers take the shared path, which names what is wrong.
    req.principal = token
      ? this.verified.principalOf(token, (value) => this.authority.verify(value))
      : principalFromAuthorizationHeader(header, this.authority);
    return true;
  }
}
