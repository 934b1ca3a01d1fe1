import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiError,
  BadRequestError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  RequestEntityTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '@kastra/api';
import type { Logger } from '@kastra/telemetry';
import { toKubernetesStatus } from './api-error-status';

/** Nest's own HTTP exceptions (unknown route, ...) as the typed API errors. */
function apiErrorOf(exception: HttpException): ApiError | undefined {
  const message = exception.message;
  switch (exception.getStatus()) {
    case HttpStatus.BAD_REQUEST:
      return new BadRequestError(message);
    case HttpStatus.UNAUTHORIZED:
      return new UnauthorizedError(message);
    case HttpStatus.FORBIDDEN:
      return new ForbiddenError(message);
    case HttpStatus.NOT_FOUND:
      return new NotFoundError('', '', 'the server could not find the requested resource');
    case HttpStatus.METHOD_NOT_ALLOWED:
      return new MethodNotAllowedError(message);
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return new RequestEntityTooLargeError(message);
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return new UnsupportedMediaTypeError(message);
    default:
      return undefined;
  }
}

/**
 * The gateway's one exception filter: every error becomes a Kubernetes `Status` (kubectl prints
 * its message). Unexpected errors are logged with their stack and answered 500 "Internal error"
 * without internals.
 */
@Catch()
export class KubernetesStatusFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = exception instanceof HttpException && !(exception instanceof ApiError) ? apiErrorOf(exception) ?? exception : exception;
    const status = toKubernetesStatus(error);
    if (!(error instanceof ApiError)) {
      // The error object may carry request data, never log the request body or headers.
      this.logger.error({ err: exception }, 'request failed with an unexpected error');
    }
    if (response.headersSent) {
      // A watch already streaming: nothing can be said in HTTP any more.
      response.end();
      return;
    }
    response.status(status.code).type('application/json').send(JSON.stringify(status));
  }
}
