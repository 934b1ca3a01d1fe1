import { Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_GROUP_VERSION, BadRequestError } from '@kastra/api';
import { writeContextOf, type AuthenticatedRequest } from '../auth/request-principal';
import { parseBody } from '../http/parse-manifest';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { timeoutSecondsOf, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';
import { WorkflowExecuteService } from './workflow-execute.service';

/** Default and ceiling of `?timeoutSeconds=` for a synchronous run. */
export const EXECUTE_DEFAULT_TIMEOUT_SECONDS = 60;
export const EXECUTE_MAX_TIMEOUT_SECONDS = 600;

type ExecuteRequest = AuthenticatedRequest & RequestWithRawBody;

/**
 * `POST .../workflows/{name}/execute`: runs a Workflow and answers with its output (the REST form
 * of an SDK's `workflow.execute()`). The body is the run input (any JSON; empty for none). The run is an
 * ordinary WorkflowRun, so it keeps going (and can be followed) when the caller times out.
 */
@Controller()
export class WorkflowExecuteController {
  constructor(private readonly runs: WorkflowExecuteService) {}

  @Post(`apis/${API_GROUP_VERSION}/namespaces/:namespace/workflows/:name/execute`)
  async execute(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: RequestQuery, @Req() req: ExecuteRequest, @Res() res: Response): Promise<void> {
    const timeoutSeconds = timeoutSecondsOf(query) ?? EXECUTE_DEFAULT_TIMEOUT_SECONDS;
    if (timeoutSeconds < 1 || timeoutSeconds > EXECUTE_MAX_TIMEOUT_SECONDS) {
      throw new BadRequestError(`timeoutSeconds must be between 1 and ${EXECUTE_MAX_TIMEOUT_SECONDS}, not ${timeoutSeconds}`);
    }
    const input = req.rawBody && req.rawBody.length > 0 && req.rawBody.toString('utf8').trim() !== '' ? parseBody(req.rawBody, req.headers['content-type']) : undefined;
    const hangUp = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) hangUp.abort();
    });
    const outcome = await this.runs.execute(namespace, name, input, { ctx: writeContextOf(req, false), timeoutSeconds, signal: hangUp.signal });
    if (!res.writableEnded && !hangUp.signal.aborted) sendJson(res, outcome.code, outcome.body);
  }
}
