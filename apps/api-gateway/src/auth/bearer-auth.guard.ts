import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { JwtAuthority } from '@kastra/auth';
import { RbacAuthorizer } from '@kastra/rbac';
import { authorizeRequest } from './request-authorization';
import type { AuthenticatedRequest } from './request-principal';

/**
 * Global guard: every request but the health probes carries a valid `Authorization: Bearer <JWT>`
 * (401) and is allowed by RBAC (403), before its handler runs and before its body is read (the
 * body interceptor runs after the guards).
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly authority: JwtAuthority,
    private readonly authorizer: RbacAuthorizer,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    authorizeRequest(context.switchToHttp().getRequest<AuthenticatedRequest>(), this.authority, this.authorizer);
    return true;
  }
}
