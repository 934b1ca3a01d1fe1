import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { API_GROUP, API_GROUP_VERSION, KINDS } from '@kastra/api';
import { sendJson } from '../http/send-json';
import { apiGroupDocument, apiGroupList, coreApiVersions, coreV1Resources, groupVersionResources, versionInfo } from './discovery-documents';

/**
 * Legacy (unaggregated) discovery. kubectl 1.32 asks for the aggregated v2 format in Accept; a
 * plain `application/json` answer makes it fall back to these documents.
 */
@Controller()
export class DiscoveryController {
  @Get('version')
  version(@Res() res: Response): void {
    sendJson(res, 200, versionInfo());
  }

  @Get('api')
  api(@Req() req: Request, @Res() res: Response): void {
    sendJson(res, 200, coreApiVersions(req.headers.host ?? '127.0.0.1'));
  }

  @Get('api/v1')
  coreV1(@Res() res: Response): void {
    sendJson(res, 200, coreV1Resources());
  }

  @Get('apis')
  apis(@Res() res: Response): void {
    sendJson(res, 200, apiGroupList());
  }

  @Get(`apis/${API_GROUP}`)
  group(@Res() res: Response): void {
    sendJson(res, 200, apiGroupDocument());
  }

  @Get(`apis/${API_GROUP_VERSION}`)
  groupVersion(@Res() res: Response): void {
    sendJson(res, 200, groupVersionResources(KINDS));
  }
}
