import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ForbiddenError } from '@kastra/api';
import { JwtAuthority, principalFromAuthorizationHeader } from '@kastra/auth';
import { ClusterAdminCheck } from './cluster-admin-check';

/** The admin API is for cluster admins (RBAC: system:masters or bound to cluster-admin): no token → 401, anyone else → 403. */
@Injectable()
export class AdminRoleGuard implements CanActivate {
  constructor(
    private readonly authority: JwtAuthority,
    private readonly admins: ClusterAdminCheck,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const principal = principalFromAuthorizationHeader(req.headers.authorization, this.authority);
    if (!(await this.admins.isClusterAdmin(principal))) {
      throw new ForbiddenError(`user "${principal.sub}" may not administer the LLM registry (providers, models, keys, user limits): cluster-admin is required`);
    }
    return true;
  }
}
