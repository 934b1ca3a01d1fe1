import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminRoleGuard } from './admin-role.guard';
import { parsePageRequest, single } from './list-page';
import { ModelAdmin } from './model-admin';
import { ModelBody } from './model-body';
import { parseBody } from './parse-body';
import { RegistryErrorFilter } from './registry-error.filter';

/** `/api/v1/llm-models`: the models of the registry (admin role). `:id` is the id or the model_id. */
@Controller('api/v1/llm-models')
@UseGuards(AdminRoleGuard)
@UseFilters(RegistryErrorFilter)
@UseInterceptors(AdminAuditInterceptor)
export class ModelsController {
  constructor(private readonly models: ModelAdmin) {}

  /** A page of rows by id, filtered: `?provider=&type=&status=`, `?limit=` (1–1000, default 100), `?after=<last_id of the previous page>`. */
  @Get()
  list(@Query('provider') provider?: unknown, @Query('type') type?: unknown, @Query('status') status?: unknown, @Query('limit') limit?: unknown, @Query('after') after?: unknown) {
    return this.models.list({ provider: single(provider), type: single(type), status: single(status) }, parsePageRequest(limit, after, { ids: 'uuid' }));
  }

  @Post()
  create(@Body() body: unknown) {
    return this.models.create(parseBody(ModelBody, body, 'llm-models', { partial: false }));
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.models.get(id);
  }

  /** PUT and PATCH both change only the fields sent (the admin console's clients use PUT that way). */
  @Put(':id')
  replace(@Param('id') id: string, @Body() body: unknown) {
    // PUT's `api_keys` is the model's whole key list: keys not named by id are removed.
    return this.models.update(id, parseBody(ModelBody, body, 'llm-models', { partial: true }), { replaceKeys: true });
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.models.update(id, parseBody(ModelBody, body, 'llm-models', { partial: true }));
  }

  @Delete(':id')
  remove(@Param('id') id: string) {
    return this.models.remove(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  test(@Param('id') id: string) {
    return this.models.test(id);
  }
}
