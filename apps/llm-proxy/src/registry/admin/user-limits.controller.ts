import { Body, Controller, Delete, Get, Param, Put, Query, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminRoleGuard } from './admin-role.guard';
import { parsePageRequest } from './list-page';
import { RegistryErrorFilter } from './registry-error.filter';
import { UserLimitAdmin } from './user-limit-admin';
import { parseUserLimitBody } from './user-limit-body';

/** `/api/v1/llm/user-limits`: each user's own RPM/TPM limits (admin role). `:user` is the JWT `sub`. */
@Controller('api/v1/llm/user-limits')
@UseGuards(AdminRoleGuard)
@UseFilters(RegistryErrorFilter)
@UseInterceptors(AdminAuditInterceptor)
export class UserLimitsController {
  constructor(private readonly limits: UserLimitAdmin) {}

  /** A page of rows by user id: `?limit=` (1–1000, default 100) and `?after=<last user of the previous page>`. */
  @Get()
  list(@Query('limit') limit?: unknown, @Query('after') after?: unknown) {
    return this.limits.list(parsePageRequest(limit, after));
  }

  @Get(':user')
  get(@Param('user') user: string) {
    return this.limits.get(user);
  }

  /** Creates or replaces the user's limits; both fields are required (null = no limit). */
  @Put(':user')
  set(@Param('user') user: string, @Body() body: unknown) {
    return this.limits.set(user, parseUserLimitBody(body, user));
  }

  @Delete(':user')
  remove(@Param('user') user: string) {
    return this.limits.remove(user);
  }
}
