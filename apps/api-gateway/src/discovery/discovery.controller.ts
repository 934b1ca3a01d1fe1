import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { NotFoundError } from '@kastra/api';
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

  @Get('apis/:group')
  group(@Param('group') group: string, @Res() res: Response): void {
    sendJson(res, 200, found(apiGroupDocument(group)));
  }

  @Get('apis/:group/:version')
  groupVersion(@Param('group') group: string, @Param('version') version: string, @Res() res: Response): void {
    sendJson(res, 200, found(groupVersionResources(group, version)));
  }
}

function found(document: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!document) throw new NotFoundError('', '', 'the server could not find the requested resource');
  return document;
}
