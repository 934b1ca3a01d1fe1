import { type ArgumentsHost, Catch, HttpException, NotFoundException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { LlmCallError } from '../calls/llm-call-error';
import { errorShapeOf, sendCallError } from './call-error-response';
import type { LlmRequest } from './llm-request';

/**
 * The app-wide filter: any error on the OpenAI/Anthropic surface (`/v1…`) that no controller's
 * own filter answered — an unknown route or method above all, which Nest answers
 * `{"message": "Cannot POST …"}` — in the shape the SDKs parse (OpenAI's `{error: {message, type,
 * param, code}}`, Anthropic's for `anthropic-version` requests). Other paths (the admin API) keep
 * Nest's handling.
 */
@Catch()
export class ApiRouteFallbackFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<LlmRequest & Request>();
    const path = req.path ?? '';
    if (path !== '/v1' && !path.startsWith('/v1/')) return super.catch(exception, host);
    const error = isUnknownRoute(exception) ? new LlmCallError(404, 'invalid_request', `Unknown request URL: ${req.method} ${path}. Please check the URL for typos.`) : exception;
    sendCallError(path, host.switchToHttp().getResponse<Response>(), error, req.llmClock, errorShapeOf(path, req.headers));
  }
}

/** Nest's router answers a path or method it has no handler for with a bare NotFoundException. */
function isUnknownRoute(exception: unknown): boolean {
  return exception instanceof NotFoundException && exception instanceof HttpException && /^Cannot [A-Z]+ /.test(exception.message);
}
