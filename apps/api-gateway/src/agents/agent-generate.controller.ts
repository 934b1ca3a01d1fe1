import { Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_GROUP_VERSION } from '@kastra/api';
import type { AgentEvent } from '@kastra/agent-runtime';
import { principalOf, type AuthenticatedRequest } from '../auth/request-principal';
import { toKubernetesStatus } from '../errors/api-error-status';
import { parseObjectBody } from '../http/parse-manifest';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { queryFlag, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';
import { AgentGenerateService } from './agent-generate.service';
import { parseGenerateRequest } from './generate-request';

type GenerateRequest = AuthenticatedRequest & RequestWithRawBody;

/**
 * `POST .../agents/{name}/generate`: one call of an Agent. With `?stream=true` the answer is
 * Server-Sent Events: the loop's events as they happen (text per step), then `finish` with the
 * result, or `error` with a Status.
 */
@Controller()
export class AgentGenerateController {
  constructor(private readonly agents: AgentGenerateService) {}

  @Post(`apis/${API_GROUP_VERSION}/namespaces/:namespace/agents/:name/generate`)
  async generate(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: RequestQuery, @Req() req: GenerateRequest, @Res() res: Response): Promise<void> {
    const user = principalOf(req).sub;
    const input = parseGenerateRequest(parseObjectBody(req.rawBody, req.headers['content-type']));
    const agent = await this.agents.readyAgent(namespace, name);
    // A caller that hangs up cancels the model and tool calls it started.
    const hangUp = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) hangUp.abort();
    });

    if (!queryFlag(query, 'stream')) {
      sendJson(res, 200, await this.agents.generate(agent, input, { user, signal: hangUp.signal }));
      return;
    }
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    try {
      await this.agents.generate(agent, input, { user, signal: hangUp.signal, onEvent: (event: AgentEvent) => send(event.type, event.type === 'finish' ? event.result : event) });
    } catch (error) {
      send('error', toKubernetesStatus(error));
    }
    res.end();
  }
}
