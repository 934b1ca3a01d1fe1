import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorShapeOf, sendCallError } from './call-error-response';
import type { LlmRequest } from './llm-request';

/** Errors of the call endpoints served by Nest, answered as `sendCallError` does. */
@Catch()
export class LlmErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<LlmRequest & Request>();
    sendCallError(req.path, host.switchToHttp().getResponse<Response>(), exception, req.llmClock, errorShapeOf(req.path, req.headers));
  }
}
