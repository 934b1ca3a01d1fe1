import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, type Observable, switchMap } from 'rxjs';
import { MAX_BODY_BYTES, readRawBody, type RequestWithRawBody } from './raw-body.middleware';

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads the request body into `req.rawBody` just before the handler. Nest runs interceptors after
 * the guards, so a request without a valid token is answered 401 before a byte of its body is
 * read or buffered (Node discards what is still on the way); the gateway runs without Nest's own
 * body parsers, which would read it before the guards.
 */
export class RawBodyInterceptor implements NestInterceptor {
  constructor(private readonly limitBytes = MAX_BODY_BYTES) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<RequestWithRawBody>();
    if (req.rawBody !== undefined) return next.handle();
    if (BODYLESS_METHODS.has(req.method)) {
      req.rawBody = Buffer.alloc(0);
      return next.handle();
    }
    return from(readRawBody(req, http.getResponse<Response>(), this.limitBytes)).pipe(
      switchMap((body) => {
        req.rawBody = body;
        return next.handle();
      }),
    );
  }
}
