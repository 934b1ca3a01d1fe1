import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { kindsOf, NotFoundError, servedGroupVersions, type JsonSchema } from '@kastra/api';
import { sendJson } from '../http/send-json';
import { coreOpenApi, groupVersionOpenApi, openApiRoot } from './openapi-document';
import { swaggerV2 } from './openapi-v2';

/**
 * OpenAPI v3, which `kubectl explain` reads and kubectl probes for server-side field validation:
 * one document per served group-version. `/openapi/v2` is the same API as one Swagger 2.0 JSON
 * document; kubectl asks it only in protobuf, which is answered 406 (kubectl 1.32 uses v3).
 */
@Controller('openapi')
export class OpenApiController {
  @Get('v3')
  root(@Res() res: Response): void {
    sendJson(res, 200, openApiRoot(this.documents()));
  }

  @Get('v3/apis/:group/:version')
  groupVersion(@Param('group') group: string, @Param('version') version: string, @Res() res: Response): void {
    const document = this.documents()[`apis/${group}/${version}`];
    if (!document) throw new NotFoundError('', '', 'the server could not find the requested resource');
    sendJson(res, 200, document);
  }

  @Get('v3/api/v1')
  coreV1(@Res() res: Response): void {
    sendJson(res, 200, this.documents()['api/v1']);
  }

  @Get('v2')
  v2(@Req() req: Request, @Res() res: Response): void {
    if (!acceptsJson(req.headers.accept)) {
      sendJson(res, 406, {
        apiVersion: 'v1',
        kind: 'Status',
        metadata: {},
        status: 'Failure',
        message: 'only application/json is served at /openapi/v2',
        reason: 'NotAcceptable',
        code: 406,
      });
      return;
    }
    sendJson(res, 200, swaggerV2(Object.values(this.documents())));
  }

  // Documents are built per request: kinds may be added to the registry at run time.
  private documents(): Record<string, JsonSchema> {
    const documents: Record<string, JsonSchema> = { 'api/v1': coreOpenApi() };
    for (const gv of servedGroupVersions()) documents[`apis/${gv.groupVersion}`] = groupVersionOpenApi(kindsOf(gv.group, gv.version));
    return documents;
  }
}

/** No Accept, `*\/*`, `application/*` or `application/json` (any parameters, q above 0). */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept || accept.trim() === '') return true;
  return accept.split(',').some((entry) => {
    const [type, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) return false;
    return type === '*/*' || type === 'application/*' || type === 'application/json';
  });
}
