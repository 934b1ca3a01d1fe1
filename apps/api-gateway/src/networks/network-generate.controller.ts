import { Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_GROUP_VERSION, BadRequestError, NotFoundError } from '@kastra/api';
import { principalOf, writeContextOf, type AuthenticatedRequest } from '../auth/request-principal';
import { parseObjectBody } from '../http/parse-manifest';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { queryFlag, timeoutSecondsOf, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';
import { openRunEventSse } from '../runs/run-event-sse';
import { EXECUTE_DEFAULT_TIMEOUT_SECONDS, EXECUTE_MAX_TIMEOUT_SECONDS } from '../runs/workflow-execute.controller';
import { NetworkGenerateService } from './network-generate.service';
import { parseNetworkGenerateRequest } from './network-generate.request';

type GenerateRequest = AuthenticatedRequest & RequestWithRawBody;

/**
 * `POST .../networks/{name}/generate` with `{message, threadId?, maxSteps?}`: runs the Network
 * on the task as a NetworkRun created for the caller. It answers `{run, phase, output, route}`
 * once the run ends (422 RunFailed / 409 Conflict when it failed or was cancelled, 504 Timeout
 * naming the run after `?timeoutSeconds`, default 60, at most 600). With `Accept:
 * text/event-stream` (or `?stream=true`) it streams the run's events instead, each named by its
 * type as `GET .../networkruns/{name}/events` sends them, and ends after the final one; the
 * `Content-Location` header names the run.
 */
@Controller()
export class NetworkGenerateController {
  constructor(private readonly networks: NetworkGenerateService) {}

  @Post(`apis/${API_GROUP_VERSION}/namespaces/:namespace/networks/:name/generate`)
  async generate(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: RequestQuery, @Req() req: GenerateRequest, @Res() res: Response): Promise<void> {
    const timeoutSeconds = timeoutSecondsOf(query) ?? EXECUTE_DEFAULT_TIMEOUT_SECONDS;
    if (timeoutSeconds < 1 || timeoutSeconds > EXECUTE_MAX_TIMEOUT_SECONDS) {
      throw new BadRequestError(`timeoutSeconds must be between 1 and ${EXECUTE_MAX_TIMEOUT_SECONDS}, not ${timeoutSeconds}`);
    }
    const stream = wantsEventStream(req.headers.accept) || queryFlag(query, 'stream');
    this.networks.assertMayRun(namespace, principalOf(req));
    const request = parseNetworkGenerateRequest(name, parseObjectBody(req.rawBody, req.headers['content-type']));
    const run = await this.networks.start(namespace, name, request, writeContextOf(req, false));
    const hangUp = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) hangUp.abort();
    });

    if (!stream) {
      const outcome = await this.networks.waitForAnswer(run, timeoutSeconds, hangUp.signal);
      if (!res.writableEnded && !hangUp.signal.aborted) sendJson(res, outcome.code, outcome.body);
      return;
    }
    const location = `/apis/${API_GROUP_VERSION}/namespaces/${encodeURIComponent(namespace)}/networkruns/${encodeURIComponent(run.metadata.name)}`;
    const sse = openRunEventSse(res, { 'content-location': location });
    try {
      const end = await this.networks.follow(run, timeoutSeconds, hangUp.signal, (event) => sse.event(event));
      if (hangUp.signal.aborted) return;
      if (!end.ended && 'outcome' in end) sse.frame('error', end.outcome.body);
      else if (!end.ended) sse.error(new NotFoundError('networkruns', run.metadata.name, `network run ${run.metadata.name} was deleted before it finished`));
    } catch (error) {
      sse.error(error);
    } finally {
      sse.end();
    }
  }
}

/** True when the client asks for Server-Sent Events (and not JSON first). */
function wantsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => range.split(';')[0].trim().toLowerCase() === 'text/event-stream');
}
