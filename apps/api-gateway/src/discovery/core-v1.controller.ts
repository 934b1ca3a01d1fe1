import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DEFAULT_NAMESPACE, isDnsLabel, KINDS, NotFoundError } from '@kastra/api';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { sendJson } from '../http/send-json';

/** A namespace as kubectl expects to find it: Kastra namespaces exist as soon as they are named. */
function namespaceObject(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** The few core (`/api/v1`) endpoints kubectl reaches for: namespaces and (empty) events. */
@Controller('api/v1')
export class CoreV1Controller {
  constructor(@Inject(RESOURCE_STORE) private readonly store: ResourceStore) {}

  @Get('namespaces')
  async namespaces(@Res() res: Response): Promise<void> {
    const names = new Set([DEFAULT_NAMESPACE]);
    for (const kind of KINDS) {
      for (const item of (await this.store.list({ kind: kind.kind })).items) names.add(item.metadata.namespace ?? DEFAULT_NAMESPACE);
    }
    sendJson(res, 200, { apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [...names].sort().map(namespaceObject) });
  }

  @Get('namespaces/:name')
  namespace(@Param('name') name: string, @Res() res: Response): void {
    if (!isDnsLabel(name)) throw new NotFoundError('namespaces', name, `namespaces "${name}" not found`);
    sendJson(res, 200, namespaceObject(name));
  }

  @Get('events')
  allEvents(@Res() res: Response): void {
    sendJson(res, 200, emptyEventList());
  }

  @Get('namespaces/:namespace/events')
  events(@Res() res: Response): void {
    sendJson(res, 200, emptyEventList());
  }
}

// Kastra records no Kubernetes Events yet: conditions carry what happened.
function emptyEventList(): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'EventList', metadata: { resourceVersion: '0' }, items: [] };
}
