import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { startClock } from '../calls/call-context';
import { BearerAuthenticator } from './bearer-authenticator';
import type { LlmRequest } from './llm-request';

/**
 * Every call carries `Authorization: Bearer <JWT>` (401 otherwise, before any work); the
 * Anthropic SDK sends its key as `x-api-key`, so a JWT there is accepted too.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(@Inject(BearerAuthenticator) private readonly authenticator: BearerAuthenticator) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<LlmRequest>();
    req.llmClock ??= startClock();
    req.principal = this.authenticator.principalOf(req.headers);
    return true;
  }
}
