import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ForbiddenError } from '@kastra/api';
import { JwtAuthority, principalFromAuthorizationHeader, SYSTEM_MASTERS } from '@kastra/auth';

/** The admin API is for role `admin`: no token → 401, role `user` → 403. */
@Injectable()
export class AdminRoleGuard implements CanActivate {
  constructor(private readonly authority: JwtAuthority) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const principal = principalFromAuthorizationHeader(req.headers.authorization, this.authority);
    if (!principal.groups.includes(SYSTEM_MASTERS)) {
      throw new ForbiddenError(`user "${principal.sub}" may not administer the LLM registry (providers, models, keys, user limits): the admin role is required`);
    }
    return true;
  }
}
