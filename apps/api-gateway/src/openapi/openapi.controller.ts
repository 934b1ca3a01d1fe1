import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_GROUP_VERSION, KINDS } from '@kastra/api';
import { sendJson } from '../http/send-json';
import { coreOpenApi, groupVersionOpenApi, openApiRoot } from './openapi-document';

/**
 * OpenAPI v3, which `kubectl explain` reads and kubectl probes for server-side field validation.
 * There is no `/openapi/v2`: kubectl 1.32 only needs v3.
 */
@Controller('openapi/v3')
export class OpenApiController {
  @Get()
  root(@Res() res: Response): void {
    sendJson(res, 200, openApiRoot(this.documents()));
  }

  @Get(`apis/${API_GROUP_VERSION}`)
  groupVersion(@Res() res: Response): void {
    sendJson(res, 200, this.documents()[`apis/${API_GROUP_VERSION}`]);
  }

  @Get('api/v1')
  coreV1(@Res() res: Response): void {
    sendJson(res, 200, this.documents()['api/v1']);
  }

  // Documents are built per request: CRDs may add kinds at run time.
  private documents(): Record<string, unknown> {
    return { [`apis/${API_GROUP_VERSION}`]: groupVersionOpenApi(KINDS), 'api/v1': coreOpenApi() };
  }
}
