import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { JwtAuthority, principalFromAuthorizationHeader } from '@kastra/auth';
import { startClock } from '../calls/call-context';
import type { LlmRequest } from './llm-request';

/**
 * Every call carries `Authorization: Bearer <JWT>` (401 otherwise, before any work); the
 * Anthropic SDK sends its key as `x-api-key`, so a JWT there is accepted too.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly authority: JwtAuthority) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<LlmRequest>();
    req.llmClock ??= startClock();
    const apiKeyHeader = req.headers['x-api-key'];
    const header = req.headers.authorization ?? (typeof apiKeyHeader === 'string' && apiKeyHeader !== '' ? `Bearer ${apiKeyHeader}` : undefined);
    req.principal = principalFromAuthorizationHeader(header, this.authority);
    return true;
  }
}
