import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminRoleGuard } from './admin-role.guard';
import { parsePageRequest, single } from './list-page';
import { ProviderBody } from './model-body';
import { parseBody } from './parse-body';
import { withProviderAliases } from './provider-body-aliases';
import { ProviderAdmin } from './provider-admin';
import { RegistryErrorFilter } from './registry-error.filter';

/** `/api/v1/llm/providers`: provider accounts (admin role). `:id` is the id or the name. */
@Controller('api/v1/llm/providers')
@UseGuards(AdminRoleGuard)
@UseFilters(RegistryErrorFilter)
@UseInterceptors(AdminAuditInterceptor)
export class ProvidersController {
  constructor(private readonly providers: ProviderAdmin) {}

  /** A page of rows by id: `?type=`, `?limit=` (1–1000, default 100), `?after=<last_id of the previous page>`. */
  @Get()
  list(@Query('type') type?: unknown, @Query('limit') limit?: unknown, @Query('after') after?: unknown) {
    return this.providers.list({ type: single(type) }, parsePageRequest(limit, after, { ids: 'uuid' }));
  }

  @Post()
  create(@Body() body: unknown) {
    return this.providers.create(parseBody(ProviderBody, withProviderAliases(body), 'llm-providers', { partial: false }));
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.providers.get(id);
  }

  @Put(':id')
  replace(@Param('id') id: string, @Body() body: unknown) {
    return this.providers.update(id, parseBody(ProviderBody, withProviderAliases(body), 'llm-providers', { partial: true }));
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.providers.update(id, parseBody(ProviderBody, withProviderAliases(body), 'llm-providers', { partial: true }));
  }

  @Delete(':id')
  remove(@Param('id') id: string) {
    return this.providers.remove(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  test(@Param('id') id: string) {
    return this.providers.test(id);
  }

  @Post(':id/sync-models')
  @HttpCode(200)
  syncModels(@Param('id') id: string) {
    return this.providers.syncModels(id);
  }
}
