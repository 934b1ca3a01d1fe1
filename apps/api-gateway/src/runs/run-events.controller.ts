import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, BadRequestError, NotFoundError } from '@kastra/api';
import { EventNotifier, PG_POOL } from '@kastra/event-store';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { queryValue, type RequestQuery } from '../http/request-query';
import { openRunEventSse } from './run-event-sse';
import { NETWORK_RUN_STREAM, streamIdOfRun, tailRunEvents, WORKFLOW_RUN_STREAM, type RunKindStream } from './run-event-tail';

/**
 * `GET .../workflowruns/{name}/events` and `GET .../networkruns/{name}/events`: Server-Sent
 * Events of one run's stream, from the start (or after `Last-Event-ID`, the stream version),
 * then live; the response ends after the run's terminal event (RunSucceeded, RunFailed,
 * RunCancelled; NetworkRunSucceeded, NetworkRunFailed, NetworkRunCancelled). Each event:
 * `id: <version>`, `event: <type>`, `data: <the recorded event as JSON>`. `?follow=false` ends
 * after the events recorded so far (what `kastra logs run NAME` without -f shows).
 */
@Controller()
export class RunEventsController {
  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly notifier: EventNotifier,
  ) {}

  @Get(`apis/${API_GROUP_VERSION}/namespaces/:namespace/workflowruns/:name/events`)
  workflowRunEvents(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.events(WORKFLOW_RUN_STREAM, namespace, name, query, req, res);
  }

  @Get(`apis/${API_GROUP_VERSION}/namespaces/:namespace/networkruns/:name/events`)
  networkRunEvents(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: RequestQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.events(NETWORK_RUN_STREAM, namespace, name, query, req, res);
  }

  private async events(stream: RunKindStream, namespace: string, name: string, query: RequestQuery, req: Request, res: Response): Promise<void> {
    const key = { kind: stream.kind, namespace, name };
    const run = await this.store.get(key);
    if (!run?.metadata.uid) throw new NotFoundError(stream.plural, name);
    const uid = run.metadata.uid;
    const afterVersion = lastEventIdOf(req);
    // Following is the default (the endpoint exists to watch a run); only an explicit false stops.
    const follow = queryValue(query, 'follow') !== 'false';

    const hangUp = new AbortController();
    res.on('close', () => hangUp.abort());
    const sse = openRunEventSse(res);
    try {
      const tail = tailRunEvents({
        pool: this.pool,
        notifier: this.notifier,
        streamId: streamIdOfRun(stream, namespace, name, uid),
        terminalEvents: stream.terminalEvents,
        afterVersion,
        signal: hangUp.signal,
        follow,
        // A deleted (or deleted and re-created) run ends the stream instead of hanging forever.
        stillThere: async () => (await this.store.get(key))?.metadata.uid === uid,
      });
      for await (const event of tail) sse.event(event);
    } catch (error) {
      sse.error(error);
    } finally {
      sse.end();
    }
  }
}

function lastEventIdOf(req: Request): number {
  const raw = req.headers['last-event-id'];
  if (raw === undefined || raw === '') return 0;
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 0) throw new BadRequestError(`Last-Event-ID must be a stream version (a whole number), not "${String(raw)}"`);
  return version;
}
