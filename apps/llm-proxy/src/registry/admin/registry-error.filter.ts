import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from '@kastra/api';
import { createLogger } from '@kastra/telemetry';

const logger = createLogger('llm-proxy').child({ component: 'llm-registry-admin' });

/**
 * Errors of the admin API as `{error: {status, type, message, causes?}}` (the proxy's error
 * shape; `causes` name the invalid fields). Unexpected errors are 500 without internals.
 */
@Catch()
export class RegistryErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let status = 500;
    let type = 'InternalError';
    let message = 'Internal error';
    let causes: unknown;
    if (exception instanceof ApiError) {
      status = exception.httpStatus;
      type = exception.reason;
      message = exception.message;
      causes = exception.details?.causes;
    } else if (exception instanceof HttpException) {
      // Nest's own: unknown route, unparsable JSON body, ...
      status = exception.getStatus();
      type = status === 400 ? 'BadRequest' : status === 404 ? 'NotFound' : 'HttpError';
      message = exception.message;
    } else {
      logger.error({ err: exception }, 'admin request failed with an unexpected error');
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json({ error: { status, type, message, ...(causes ? { causes } : {}) } });
  }
}
