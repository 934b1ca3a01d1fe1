import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { kindsOf, NotFoundError, servedGroupVersions } from '@kastra/api';
import { sendJson } from '../http/send-json';
import { coreOpenApi, groupVersionOpenApi, openApiRoot } from './openapi-document';

/**
 * OpenAPI v3, which `kubectl explain` reads and kubectl probes for server-side field validation:
 * one document per served group-version. There is no `/openapi/v2`: kubectl 1.32 only needs v3.
 */
@Controller('openapi/v3')
export class OpenApiController {
  @Get()
  root(@Res() res: Response): void {
    sendJson(res, 200, openApiRoot(this.documents()));
  }

  @Get('apis/:group/:version')
  groupVersion(@Param('group') group: string, @Param('version') version: string, @Res() res: Response): void {
    const document = this.documents()[`apis/${group}/${version}`];
    if (!document) throw new NotFoundError('', '', 'the server could not find the requested resource');
    sendJson(res, 200, document);
  }

  @Get('api/v1')
  coreV1(@Res() res: Response): void {
    sendJson(res, 200, this.documents()['api/v1']);
  }

  // Documents are built per request: kinds may be added to the registry at run time.
  private documents(): Record<string, unknown> {
    const documents: Record<string, unknown> = { 'api/v1': coreOpenApi() };
    for (const gv of servedGroupVersions()) documents[`apis/${gv.groupVersion}`] = groupVersionOpenApi(kindsOf(gv.group, gv.version));
    return documents;
  }
}
