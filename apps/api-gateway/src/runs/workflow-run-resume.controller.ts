import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_GROUP_VERSION, InvalidError, type FieldCause } from '@kastra/api';
import { writeContextOf, type AuthenticatedRequest } from '../auth/request-principal';
import { parseObjectBody } from '../http/parse-manifest';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { sendJson } from '../http/send-json';
import { WorkflowRunResumeService } from './workflow-run-resume.service';

type ResumeRequest = AuthenticatedRequest & RequestWithRawBody;

/**
 * `POST .../workflowruns/{name}/resume` with `{stepId, payload}`: sets `spec.resume.<stepId>` once
 * the payload matches the step's resumeSchema and answers the WorkflowRun. 422 Invalid names the
 * field that does not match (or an unknown / non-suspending step); 409 Conflict when the run has
 * ended. What `kastra resume` calls.
 */
@Controller()
export class WorkflowRunResumeController {
  constructor(private readonly resumer: WorkflowRunResumeService) {}

  @Post(`apis/${API_GROUP_VERSION}/namespaces/:namespace/workflowruns/:name/resume`)
  async resume(@Param('namespace') namespace: string, @Param('name') name: string, @Req() req: ResumeRequest, @Res() res: Response): Promise<void> {
    const body = parseObjectBody(req.rawBody, req.headers['content-type']);
    const causes: FieldCause[] = [];
    if (typeof body.stepId !== 'string' || body.stepId === '') causes.push({ reason: 'FieldValueRequired', field: 'stepId', message: 'Required value: the id of the suspended step' });
    // null would read as "no payload" in spec.resume (a merge patch deletes the key).
    if (body.payload === undefined || body.payload === null) causes.push({ reason: 'FieldValueRequired', field: 'payload', message: 'Required value: the resume payload (not null)' });
    if (causes.length > 0) throw new InvalidError('WorkflowRun', name, causes);
    const run = await this.resumer.resume(namespace, name, body.stepId as string, body.payload, writeContextOf(req, false));
    sendJson(res, 200, run);
  }
}
