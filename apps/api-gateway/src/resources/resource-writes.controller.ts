import { Controller, Delete, Inject, Optional, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { apiVersionOf, BadRequestError, CRD_KIND, NotFoundError, type KindDefinition, type Resource, type ResourceKey } from '@kastra/api';
import { RbacAuthorizer } from '@kastra/rbac';
import { applyServerSide, RESOURCE_STORE, type DeleteOptions, type DeleteResult, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { RbacWriteGuard } from '../auth/rbac-write-guard';
import { principalOf, writeContextOf, type AuthenticatedRequest } from '../auth/request-principal';
import { parseObjectBody } from '../http/parse-manifest';
import { applyPatchBody, patchTypeOf } from '../http/patch-document';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { FieldValidator } from '../http/field-validation';
import { dryRunOf, fieldValidationOf, queryFlag, queryValue, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';
import { parseDeleteOptions } from './delete-options';
import { kindInScope, manifestFor } from './resource-manifest';
import { CustomResourceDefinitions } from '../custom-resources/custom-resource-definitions';
import { cascadeKindOf, deleteObjectsOfKind } from '../custom-resources/crd-cascade';
import { toServed, toStored } from '../custom-resources/served-shape';

type WriteRequest = AuthenticatedRequest & RequestWithRawBody;

/** An object's address from the URL: namespace '' for cluster-scoped kinds. */
interface ItemParams {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name: string;
}

/**
 * Writes of resources of every served group: create, replace, the four patch types, delete, and
 * the status subresource; namespaced kinds under `namespaces/{ns}`, cluster-scoped ones without.
 * RBAC objects may only grant what their writer holds, and apply to the next request at once.
 */
@Controller('apis/:group/:version')
export class ResourceWritesController {
  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    private readonly rbac: RbacWriteGuard,
    private readonly authorizer: RbacAuthorizer,
    // Absent in test modules that serve no CRDs.
    @Optional() private readonly crds?: CustomResourceDefinitions,
  ) {}

  @Post(':plural')
  async createClusterScoped(@Param() params: Omit<ItemParams, 'name'>, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.create(params, undefined, query, req, res);
  }

  @Post('namespaces/:namespace/:plural')
  async createNamespaced(@Param() params: Omit<ItemParams, 'name'>, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.create(params, params.namespace, query, req, res);
  }

  @Put(':plural/:name')
  async replaceClusterScoped(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.replace(params, query, req, res);
  }

  @Put('namespaces/:namespace/:plural/:name')
  async replaceNamespaced(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.replace(params, query, req, res);
  }

  @Patch(':plural/:name')
  async patchClusterScoped(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.patch(params, query, req, res);
  }

  @Patch('namespaces/:namespace/:plural/:name')
  async patchNamespaced(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.patch(params, query, req, res);
  }

  /** deletecollection of a cluster-scoped kind. */
  @Delete(':plural')
  async deleteClusterScopedCollection(@Param() params: Omit<ItemParams, 'name'>, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.deleteCollection(params, undefined, query, req, res);
  }

  /** deletecollection in a namespace. */
  @Delete('namespaces/:namespace/:plural')
  async deleteNamespacedCollection(@Param() params: Omit<ItemParams, 'name'>, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.deleteCollection(params, params.namespace, query, req, res);
  }

  @Delete(':plural/:name')
  async deleteClusterScoped(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.delete(params, query, req, res);
  }

  @Delete('namespaces/:namespace/:plural/:name')
  async deleteNamespaced(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.delete(params, query, req, res);
  }

  @Put(':plural/:name/status')
  async replaceClusterScopedStatus(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.replaceStatus(params, query, req, res);
  }

  @Put('namespaces/:namespace/:plural/:name/status')
  async replaceNamespacedStatus(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.replaceStatus(params, query, req, res);
  }

  @Patch(':plural/:name/status')
  async patchClusterScopedStatus(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.patchStatus(params, query, req, res);
  }

  @Patch('namespaces/:namespace/:plural/:name/status')
  async patchNamespacedStatus(@Param() params: ItemParams, @Query() query: RequestQuery, @Req() req: WriteRequest, @Res() res: Response): Promise<void> {
    await this.patchStatus(params, query, req, res);
  }

  private async create(params: Omit<ItemParams, 'name'>, namespace: string | undefined, query: RequestQuery, req: WriteRequest, res: Response): Promise<void> {
    const kind = kindInScope(params.group, params.version, params.plural, namespace);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const manifest = fields.check(manifestFor(parseObjectBody(req.rawBody, req.headers['content-type']), { kind, namespace }), kind);
    this.rbac.checkEscalation(principalOf(req), manifest);
    const created = await this.store.create(toStored(kind, manifest), ctx);
    this.observe(created, ctx);
    fields.sendWarnings(res);
    sendJson(res, 201, toServed(kind, created));
  }

  private async replace(params: ItemParams, query: RequestQuery, req: WriteRequest, res: Response): Promise<void> {
    const kind = kindInScope(params.group, params.version, params.plural, params.namespace);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const manifest = fields.check(manifestFor(parseObjectBody(req.rawBody, req.headers['content-type']), { kind, namespace: params.namespace, name: params.name }), kind);
    this.rbac.checkEscalation(principalOf(req), manifest);
    const updated = await this.store.update(toStored(kind, manifest), ctx);
    this.observe(updated, ctx);
    fields.sendWarnings(res);
    sendJson(res, 200, toServed(kind, updated));
  }

  private async patch(params: ItemParams, query: RequestQuery, req: WriteRequest, res: Response): Promise<void> {
    const kind = kindInScope(params.group, params.version, params.plural, params.namespace);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const { code, object } = await this.patchObject(kind, params, query, req, ctx, fields);
    this.observe(object, ctx);
    fields.sendWarnings(res);
    sendJson(res, code, toServed(kind, object));
  }

  private async delete(params: ItemParams, query: RequestQuery, req: WriteRequest, res: Response): Promise<void> {
    const kind = kindInScope(params.group, params.version, params.plural, params.namespace);
    const options = parseDeleteOptions(req.rawBody, req.headers['content-type']);
    const ctx = writeContextOf(req, dryRunOf(query) || options.dryRun);
    const result = await this.deleteOne(kind, keyOf(kind, params), ctx, options.preconditions);
    if (result.pending) {
      // Finalizers run first: the object stays, with its deletionTimestamp.
      sendJson(res, 200, toServed(kind, result.object));
      return;
    }
    // What the apiserver answers for a custom resource deleted at once.
    sendJson(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: params.name, group: kind.group, kind: kind.plural, uid: result.object.metadata.uid },
    });
  }

  /**
   * `DELETE` on a collection (RBAC verb deletecollection, checked for the collection by the guard):
   * every object the label and field selectors match is deleted as a DELETE of it would be, and
   * the answer is the list of them as deleted (or marked, when finalizers remain), as the apiserver
   * answers. An object gone meanwhile is skipped; the DeleteOptions body applies to each.
   */
  private async deleteCollection(params: Omit<ItemParams, 'name'>, namespace: string | undefined, query: RequestQuery, req: WriteRequest, res: Response): Promise<void> {
    const kind = kindInScope(params.group, params.version, params.plural, namespace);
    const options = parseDeleteOptions(req.rawBody, req.headers['content-type']);
    const ctx = writeContextOf(req, dryRunOf(query) || options.dryRun);
    const matching = await this.store.list({
      kind: kind.kind,
      ...(namespace !== undefined ? { namespace } : {}),
      ...selectorOf('labelSelector', queryValue(query, 'labelSelector')),
      ...selectorOf('fieldSelector', queryValue(query, 'fieldSelector')),
    });
    const deleted: Resource[] = [];
    for (const item of matching.items) {
      const key = { kind: kind.kind, namespace: kind.namespaced ? (item.metadata.namespace ?? '') : '', name: item.metadata.name };
      try {
        deleted.push((await this.deleteOne(kind, key, ctx, options.preconditions)).object);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    sendJson(res, 200, {
      apiVersion: apiVersionOf(kind),
      kind: (kind as { listKind?: string }).listKind ?? `${kind.kind}List`,
      metadata: { resourceVersion: matching.resourceVersion },
      items: deleted.map((object) => toServed(kind, object)),
    });
  }

  /** Deletes one object (a CRD with its objects) and tells the caches. */
  private async deleteOne(kind: KindDefinition, key: ResourceKey, ctx: WriteContext, preconditions: DeleteOptions): Promise<DeleteResult> {
    // A CRD's objects go first (as the apiserver's cleanup finalizer does): then its kind stops being served.
    const cascade = kind.kind === CRD_KIND && !ctx.dryRun ? await cascadeKindOf(this.store, key, preconditions) : undefined;
    if (cascade) await deleteObjectsOfKind(this.store, cascade, ctx);
    const result = await this.store.delete(key, ctx, preconditions);
    // Once more for what another replica created meanwhile (this one still knows the kind).
    if (cascade && !result.pending) await deleteObjectsOfKind(this.store, cascade, ctx);
    if (!ctx.dryRun) {
      this.rbac.observe(result.object, !result.pending);
      this.crds?.observe(result.object, !result.pending);
    }
    return result;
  }

  private async replaceStatus(params: ItemParams, query: RequestQuery, req: WriteRequest, res: Response): Promise<void> {
    const kind = statusKind(params);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const manifest = fields.check(manifestFor(parseObjectBody(req.rawBody, req.headers['content-type']), { kind, namespace: params.namespace, name: params.name }), kind);
    const updated = await this.store.updateStatus(keyOf(kind, params), manifest.status ?? {}, ctx, manifest.metadata.resourceVersion || undefined);
    fields.sendWarnings(res);
    sendJson(res, 200, toServed(kind, updated));
  }

  private async patchStatus(params: ItemParams, query: RequestQuery, req: WriteRequest, res: Response): Promise<void> {
    const kind = statusKind(params);
    const ctx = this.context(req, query);
    const fields = new FieldValidator(fieldValidationOf(query));
    const { object } = await this.patchObject(kind, params, query, req, ctx, fields, 'status');
    fields.sendWarnings(res);
    sendJson(res, 200, toServed(kind, object));
  }

  private context(req: WriteRequest, query: RequestQuery): WriteContext {
    return writeContextOf(req, dryRunOf(query));
  }

  private observe(object: Resource, ctx: WriteContext): void {
    if (ctx.dryRun) return;
    this.rbac.observe(object);
    this.crds?.observe(object);
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
    const principal = principalOf(req);
    if (patchType !== 'apply') {
      const object = await this.store.patch(
        key,
        (current) => {
          if (!current) throw new NotFoundError(kind.plural, params.name);
          const patched = fields.check(manifestFor(applyPatchBody(toServed(kind, current), patchType, req.rawBody, contentType) as unknown as Record<string, unknown>, target), kind);
          if (!subresource) this.rbac.checkEscalation(principal, patched);
          return subresource ? patched : toStored(kind, patched);
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
    const applied = fields.check(manifestFor(parseObjectBody(req.rawBody, contentType), target), kind);
    let created = false;
    const object = await this.store.patch(
      key,
      (current) => {
        created = current === undefined;
        if (subresource) return { ...(current as Resource), status: applied.status };
        // An apply that creates needs the right to create, as the apiserver checks for it.
        if (created) this.authorizer.assertAllowed(principal, { ...(req.attributes ?? {}), verb: 'create', apiGroup: kind.group, resource: kind.plural, namespace: key.namespace, name: key.name });
        const desired = applyServerSide(current && toServed(kind, current), applied, fieldManager);
        this.rbac.checkEscalation(principal, desired);
        return toStored(kind, desired);
      },
      ctx,
      { ...options, createIfMissing: !subresource },
    );
    return { code: created ? 201 : 200, object };
  }
}

function selectorOf<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}

function keyOf(kind: KindDefinition, params: ItemParams): ResourceKey {
  return { kind: kind.kind, namespace: kind.namespaced ? (params.namespace ?? '') : '', name: params.name };
}

function statusKind(params: ItemParams): KindDefinition {
  const kind = kindInScope(params.group, params.version, params.plural, params.namespace);
  if (!kind.hasStatus) throw new NotFoundError(params.plural, params.name, 'the server could not find the requested resource');
  return kind;
}
