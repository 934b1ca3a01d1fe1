import { Controller, Delete, Inject, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_GROUP, API_GROUP_VERSION, BadRequestError, NotFoundError, type KindDefinition, type Resource, type ResourceKey } from '@kastra/api';
import { applyServerSide, RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { writeContextOf, type AuthenticatedRequest } from '../auth/request-principal';
import { parseObjectBody } from '../http/parse-manifest';
import { applyPatchBody, patchTypeOf } from '../http/patch-document';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { FieldValidator } from '../http/field-validation';
import { dryRunOf, fieldValidationOf, queryFlag, queryValue, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';
import { parseDeleteOptions } from './delete-options';
import { kindOfPlural, manifestFor } from './resource-manifest';

type WriteRequest = AuthenticatedRequest & RequestWithRawBody;

const ITEM = `apis/${API_GROUP_VERSION}/namespaces/:namespace/:plural/:name`;

/** Writes of resources: create, replace, the four patch types, delete, and the status subresource. */
@Controller()
export class ResourceWritesController {
  constructor(@Inject(RESOURCE_STORE) private readonly store: ResourceStore) {}

  @Post(`apis/${API_GROUP_VERSION}/namespaces/:namespace/:plural`)
  async create(@Param('namespace') namespace: string, @Param('plural') plural: string, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    const kind = kindOfPlural(plural);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const manifest = fields.check(manifestFor(parseObjectBody(req.rawBody, req.headers['content-type']), { kind, namespace }));
    const created = await this.store.create(manifest, ctx);
    fields.sendWarnings(res);
    sendJson(res, 201, created);
  }

  @Put(ITEM)
  async replace(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    const kind = kindOfPlural(params.plural);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const manifest = fields.check(manifestFor(parseObjectBody(req.rawBody, req.headers['content-type']), { kind, namespace: params.namespace, name: params.name }));
    const updated = await this.store.update(manifest, ctx);
    fields.sendWarnings(res);
    sendJson(res, 200, updated);
  }

  @Patch(ITEM)
  async patch(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    const kind = kindOfPlural(params.plural);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const { code, object } = await this.patchObject(kind, params, query, req, ctx, fields);
    fields.sendWarnings(res);
    sendJson(res, code, object);
  }

  @Delete(ITEM)
  async delete(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    const kind = kindOfPlural(params.plural);
    const options = parseDeleteOptions(req.rawBody, req.headers['content-type']);
    const ctx = writeContextOf(req, dryRunOf(query) || options.dryRun);
    const key = keyOf(kind, params);
    const result = await this.store.delete(key, ctx, options.preconditions);
    if (result.pending) {
      // Finalizers run first: the object stays, with its deletionTimestamp.
      sendJson(res, 200, result.object);
      return;
    }
    // What the apiserver answers for a custom resource deleted at once.
    sendJson(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: params.name, group: API_GROUP, kind: kind.plural, uid: result.object.metadata.uid },
    });
  }

  @Put(`${ITEM}/status`)
  async replaceStatus(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    const kind = statusKind(params);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const manifest = fields.check(manifestFor(parseObjectBody(req.rawBody, req.headers['content-type']), { kind, namespace: params.namespace, name: params.name }));
    const updated = await this.store.updateStatus(keyOf(kind, params), manifest.status ?? {}, ctx, manifest.metadata.resourceVersion || undefined);
    fields.sendWarnings(res);
    sendJson(res, 200, updated);
  }

  @Patch(`${ITEM}/status`)
  async patchStatus(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    const kind = statusKind(params);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const { object } = await this.patchObject(kind, params, query, req, ctx, fields, 'status');
    fields.sendWarnings(res);
    sendJson(res, 200, object);
  }

  private context(req: WriteRequest, query: RequestQuery): WriteContext {
    return writeContextOf(req, dryRunOf(query));
  }

  private async patchObject(
    kind: KindDefinition,
    params: ItemParams,
    query: RequestQuery,
    req: WriteRequest,
    ctx: WriteContext,
    fields: FieldValidator,
    subresource?: 'status',
  ): Promise<{ code: number; object: Resource }> {
    const contentType = req.headers['content-type'];
    const patchType = patchTypeOf(contentType);
    const key = keyOf(kind, params);
    const target = { kind, namespace: params.namespace, name: params.name };
    const options = subresource ? { subresource } : {};
    if (patchType !== 'apply') {
      const object = await this.store.patch(
        key,
        (current) => {
          if (!current) throw new NotFoundError(kind.plural, params.name);
          return fields.check(manifestFor(applyPatchBody(current, patchType, req.rawBody, contentType) as unknown as Record<string, unknown>, target));
        },
        ctx,
        options,
      );
      return { code: 200, object };
    }
    const fieldManager = queryValue(query, 'fieldManager');
    if (!fieldManager) {
      throw new BadRequestError('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    }
    queryFlag(query, 'force');
    const applied = fields.check(manifestFor(parseObjectBody(req.rawBody, contentType), target));
    let created = false;
    const object = await this.store.patch(
      key,
      (current) => {
        created = current === undefined;
        if (subresource) return { ...(current as Resource), status: applied.status };
        return applyServerSide(current, applied, fieldManager);
      },
      ctx,
      { ...options, createIfMissing: !subresource },
    );
    return { code: created ? 201 : 200, object };
  }
}

interface ItemParams {
  namespace: string;
  plural: string;
  name: string;
}

function keyOf(kind: KindDefinition, params: ItemParams): ResourceKey {
  return { kind: kind.kind, namespace: params.namespace, name: params.name };
}

function statusKind(params: ItemParams): KindDefinition {
  const kind = kindOfPlural(params.plural);
  if (!kind.hasStatus) throw new NotFoundError(params.plural, params.name, 'the server could not find the requested resource');
  return kind;
}
