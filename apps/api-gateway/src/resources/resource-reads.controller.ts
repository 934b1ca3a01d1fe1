import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { API_GROUP_VERSION, NotFoundError, type KindDefinition, type Resource } from '@kastra/api';
import { RESOURCE_STORE, type ListQuery, type ResourceStore } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { GATEWAY_LOGGER } from '../gateway-logger';
import { requestedTableVersion } from '../http/accept-header';
import { queryFlag, queryValue, timeoutSecondsOf, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';
import { buildTable, type IncludeObject } from '../tables/resource-table';
import { kindOfPlural } from './resource-manifest';
import { streamWatch } from './watch-stream';

const BASE = `apis/${API_GROUP_VERSION}`;

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

/** GET of resources: list, watch (`?watch=true`) and get, as JSON or as kubectl's Tables. */
@Controller(BASE)
export class ResourceReadsController {
  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':plural')
  async listAllNamespaces(@Param('plural') plural: string, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.listOrWatch(kindOfPlural(plural), undefined, query, req, res);
  }

  @Get('namespaces/:namespace/:plural')
  async list(
    @Param('namespace') namespace: string,
    @Param('plural') plural: string,
    @Query() query: RequestQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.listOrWatch(kindOfPlural(plural), namespace, query, req, res);
  }

  @Get('namespaces/:namespace/:plural/:name')
  async get(
    @Param('namespace') namespace: string,
    @Param('plural') plural: string,
    @Param('name') name: string,
    @Query() query: RequestQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const kind = kindOfPlural(plural);
    const object = await this.getObject(kind, namespace, name);
    const rendering = renderingOf(req, query);
    if (rendering.tableVersion) {
      sendJson(res, 200, buildTable(kind, [object], { version: rendering.tableVersion, includeObject: rendering.includeObject, resourceVersion: object.metadata.resourceVersion }));
    } else {
      sendJson(res, 200, object);
    }
  }

  @Get('namespaces/:namespace/:plural/:name/status')
  async getStatus(@Param('namespace') namespace: string, @Param('plural') plural: string, @Param('name') name: string, @Res() res: Response): Promise<void> {
    const kind = kindOfPlural(plural);
    if (!kind.hasStatus) throw new NotFoundError(plural, name, 'the server could not find the requested resource');
    sendJson(res, 200, await this.getObject(kind, namespace, name));
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
            ? buildTable(kind, [event.object], { version: rendering.tableVersion, includeObject: rendering.includeObject, resourceVersion: event.object.metadata.resourceVersion })
            : event.object,
      });
      return;
    }
    // limit and continue are accepted and ignored: lists come whole.
    const list = await this.store.list(listQuery);
    if (rendering.tableVersion) {
      sendJson(res, 200, buildTable(kind, list.items, { version: rendering.tableVersion, includeObject: rendering.includeObject, resourceVersion: list.resourceVersion }));
      return;
    }
    sendJson(res, 200, { apiVersion: API_GROUP_VERSION, kind: `${kind.kind}List`, metadata: { resourceVersion: list.resourceVersion }, items: list.items });
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}
