import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { apiVersionOf, NotFoundError, type KindDefinition, type Resource } from '@kastra/api';
import { RESOURCE_STORE, type ListQuery, type ResourceStore } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { GATEWAY_LOGGER } from '../gateway-logger';
import { requestedTableVersion } from '../http/accept-header';
import { queryFlag, queryValue, timeoutSecondsOf, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';
import { buildTable, type IncludeObject } from '../tables/resource-table';
import { kindInScope } from './resource-manifest';
import { listPagingOf } from './list-paging';
import { streamWatch } from './watch-stream';
import { toServed } from '../custom-resources/served-shape';

/** How a read answers: plain objects, or a Table when kubectl asks for one. */
interface Rendering {
  tableVersion?: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
}

function renderingOf(req: Request, query: RequestQuery): Rendering {
  const include = queryValue(query, 'includeObject');
  return {
    tableVersion: requestedTableVersion(req.headers.accept),
    includeObject: include === 'None' || include === 'Object' ? include : 'Metadata',
  };
}

interface Route {
  group: string;
  version: string;
}

/**
 * GET of resources of every served group: list, watch (`?watch=true`) and get, as JSON or as
 * kubectl's Tables; namespaced kinds under `namespaces/{ns}` (or across all namespaces), cluster-scoped
 * ones without. Which kind a path names comes from the kind registry.
 */
@Controller('apis/:group/:version')
export class ResourceReadsController {
  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  /** A cluster-scoped kind's objects, or a namespaced kind's across all namespaces. */
  @Get(':plural')
  async listAll(@Param() route: Route & { plural: string }, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.listOrWatch(kindInScope(route.group, route.version, route.plural, undefined, true), undefined, query, req, res);
  }

  /** One object of a cluster-scoped kind. */
  @Get(':plural/:name')
  async getClusterScoped(@Param() route: Route & { plural: string; name: string }, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.sendObject(kindInScope(route.group, route.version, route.plural, undefined), '', route.name, query, req, res);
  }

  /** `namespaces/{ns}/{plural}` (a list) or `{plural}/{name}/status` of a cluster-scoped kind: both have three segments. */
  @Get(':first/:second/:third')
  async listOrClusterStatus(@Param() route: Route & { first: string; second: string; third: string }, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (route.first === 'namespaces') {
      await this.listOrWatch(kindInScope(route.group, route.version, route.third, route.second), route.second, query, req, res);
      return;
    }
    const kind = statusKind(kindInScope(route.group, route.version, route.first, undefined), route.third, route.second);
    sendJson(res, 200, toServed(kind, await this.getObject(kind, '', route.second)));
  }

  @Get('namespaces/:namespace/:plural/:name')
  async get(@Param() route: Route & { namespace: string; plural: string; name: string }, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.sendObject(kindInScope(route.group, route.version, route.plural, route.namespace), route.namespace, route.name, query, req, res);
  }

  @Get('namespaces/:namespace/:plural/:name/status')
  async getStatus(@Param() route: Route & { namespace: string; plural: string; name: string }, @Res() res: Response): Promise<void> {
    const kind = statusKind(kindInScope(route.group, route.version, route.plural, route.namespace), 'status', route.name);
    sendJson(res, 200, toServed(kind, await this.getObject(kind, route.namespace, route.name)));
  }

  private async sendObject(kind: KindDefinition, namespace: string, name: string, query: RequestQuery, req: Request, res: Response): Promise<void> {
    const object = toServed(kind, await this.getObject(kind, namespace, name));
    const rendering = renderingOf(req, query);
    if (rendering.tableVersion) {
      sendJson(res, 200, buildTable(kind, [object], { version: rendering.tableVersion, includeObject: rendering.includeObject, resourceVersion: object.metadata.resourceVersion }));
    } else {
      sendJson(res, 200, object);
    }
  }

  private async getObject(kind: KindDefinition, namespace: string, name: string): Promise<Resource> {
    const object = await this.store.get({ kind: kind.kind, namespace, name });
    if (!object) throw new NotFoundError(kind.plural, name);
    return object;
  }

  private async listOrWatch(kind: KindDefinition, namespace: string | undefined, query: RequestQuery, req: Request, res: Response): Promise<void> {
    const listQuery: ListQuery = {
      kind: kind.kind,
      ...(namespace !== undefined ? { namespace } : {}),
      ...optional('labelSelector', queryValue(query, 'labelSelector')),
      ...optional('fieldSelector', queryValue(query, 'fieldSelector')),
    };
    const rendering = renderingOf(req, query);
    if (queryFlag(query, 'watch')) {
      await streamWatch(res, {
        store: this.store,
        query: listQuery,
        resourceVersion: queryValue(query, 'resourceVersion'),
        timeoutSeconds: timeoutSecondsOf(query),
        logger: this.logger,
        render: (event) =>
          rendering.tableVersion
            ? buildTable(kind, [toServed(kind, event.object)], { version: rendering.tableVersion, includeObject: rendering.includeObject, resourceVersion: event.object.metadata.resourceVersion })
            : toServed(kind, event.object),
      });
      return;
    }
    const stored = await this.store.list({ ...listQuery, ...listPagingOf(query) });
    const list = { ...stored, items: stored.items.map((item) => toServed(kind, item)) };
    const metadata = {
      resourceVersion: list.resourceVersion,
      ...(list.continue !== undefined ? { continue: list.continue } : {}),
      ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}),
    };
    if (rendering.tableVersion) {
      const table = buildTable(kind, list.items, { version: rendering.tableVersion, includeObject: rendering.includeObject, resourceVersion: list.resourceVersion });
      sendJson(res, 200, { ...table, metadata });
      return;
    }
    sendJson(res, 200, { apiVersion: apiVersionOf(kind), kind: listKindOf(kind), metadata, items: list.items });
  }
}

/** `<Kind>List`, or the listKind a CRD names. */
function listKindOf(kind: KindDefinition): string {
  return (kind as { listKind?: string }).listKind ?? `${kind.kind}List`;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}

/** The kind, when it serves the `status` subresource asked for; a 404 otherwise. */
function statusKind(kind: KindDefinition, subresource: string, name: string): KindDefinition {
  if (subresource !== 'status' || !kind.hasStatus) throw new NotFoundError(kind.plural, name, 'the server could not find the requested resource');
  return kind;
}
