import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { findKindByPlural, ForbiddenError } from '@kastra/api';
import { JwtAuthority, principalFromAuthorizationHeader, SYSTEM_MASTERS } from '@kastra/auth';
import type { AuthenticatedRequest } from './request-principal';

/** Probes and scrapes that must work without a token (service-host serves them). */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Kinds only admins may read or write. */
const ADMIN_ONLY_KINDS = new Set(['Secret']);

/**
 * Global guard: every request but the health probes carries a valid `Authorization: Bearer <JWT>`
 * (401 otherwise, before any work is done); role `user` may not touch Secrets (403).
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly authority: JwtAuthority) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (PUBLIC_PATHS.has(req.path)) return true;
    const principal = principalFromAuthorizationHeader(req.headers.authorization, this.authority);
    req.principal = principal;
    const plural = typeof req.params?.plural === 'string' ? req.params.plural : undefined;
    const kind = plural ? findKindByPlural(plural) : undefined;
    if (kind && ADMIN_ONLY_KINDS.has(kind.kind) && !principal.groups.includes(SYSTEM_MASTERS)) {
      throw new ForbiddenError(`${kind.plural}.mastra.ai is forbidden: User "${principal.sub}" cannot access secrets`);
    }
    return true;
  }
}
