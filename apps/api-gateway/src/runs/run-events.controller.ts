import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, BadRequestError, NotFoundError } from '@kastra/api';
import { EventNotifier, PG_POOL, type RecordedEvent } from '@kastra/event-store';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { toKubernetesStatus } from '../errors/api-error-status';
import { queryValue, type RequestQuery } from '../http/request-query';
import { runStreamIdOf, tailRunEvents } from './run-event-tail';

/** SSE comments keep proxies from closing a quiet stream (a suspended run may wait for hours). */
const KEEPALIVE_MS = 15_000;

/**
 * `GET .../workflowruns/{name}/events`: Server-Sent Events of one run's stream, from the start
 * (or after `Last-Event-ID`, the stream version), then live; the response ends after
 * RunSucceeded, RunFailed or RunCancelled. Each event: `id: <version>`, `event: <type>`,
 * `data: <the recorded event as JSON>`. `?follow=false` ends after the events recorded so far
 * (what `kastra logs run NAME` without -f shows).
 */
@Controller()
export class RunEventsController {
  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly notifier: EventNotifier,
  ) {}

  @Get(`apis/${API_GROUP_VERSION}/namespaces/:namespace/workflowruns/:name/events`)
  async events(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    const key = { kind: 'WorkflowRun', namespace, name };
    const run = await this.store.get(key);
    if (!run?.metadata.uid) throw new NotFoundError('workflowruns', name);
    const uid = run.metadata.uid;
    const afterVersion = lastEventIdOf(req);
    // Following is the default (the endpoint exists to watch a run); only an explicit false stops.
    const follow = queryValue(query, 'follow') !== 'false';

    const hangUp = new AbortController();
    res.on('close', () => hangUp.abort());
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    try {
      const tail = tailRunEvents({
        pool: this.pool,
        notifier: this.notifier,
        streamId: runStreamIdOf(namespace, name, uid),
        afterVersion,
        signal: hangUp.signal,
        follow,
        // A deleted (or deleted and re-created) run ends the stream instead of hanging forever.
        stillThere: async () => (await this.store.get(key))?.metadata.uid === uid,
      });
      for await (const event of tail) res.write(sseFrame(event));
    } catch (error) {
      if (!res.writableEnded) res.write(`event: error\ndata: ${JSON.stringify(toKubernetesStatus(error))}\n\n`);
    } finally {
      clearInterval(keepalive);
      res.end();
    }
  }
}

function sseFrame(event: RecordedEvent): string {
  return `id: ${event.streamVersion}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function lastEventIdOf(req: Request): number {
  const raw = req.headers['last-event-id'];
  if (raw === undefined || raw === '') return 0;
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 0) throw new BadRequestError(`Last-Event-ID must be a stream version (a whole number), not "${String(raw)}"`);
  return version;
}
