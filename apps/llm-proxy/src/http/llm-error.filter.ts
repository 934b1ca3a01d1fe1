import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { createLogger } from '@kastra/telemetry';
import { OVERHEAD_HEADER, proxyOverheadMs } from '../calls/call-context';
import { anthropicErrorBody, callErrorOf, openAiErrorBody } from './error-bodies';
import type { LlmRequest } from './llm-request';

const logger = createLogger('llm-proxy').child({ component: 'http' });

/**
 * Errors of the call endpoints in the shape their clients' SDKs parse: Anthropic's on
 * `/v1/messages`, OpenAI's everywhere else. Unexpected errors are logged (never the request,
 * which may carry a key) and answered as a bare 500.
 */
@Catch()
export class LlmErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<LlmRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    const error = callErrorOf(exception);
    if (error.status >= 500 && error.type === 'internal') logger.error({ err: exception, path: req.path }, 'request failed with an unexpected error');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (req.llmClock) res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(req.llmClock).toFixed(3));
    if (error.retryAfterMs !== undefined) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
      res.setHeader('retry-after-ms', String(Math.ceil(error.retryAfterMs)));
    }
    // 499 (client closed) has nobody to answer, but Express needs a valid status to end the exchange.
    const status = error.status === 499 ? 400 : error.status;
    res.status(status).json(req.path.startsWith('/v1/messages') ? anthropicErrorBody(error) : openAiErrorBody(error));
  }
}
