import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { from, type Observable, switchMap } from 'rxjs';
import { UnsupportedMediaTypeError } from '@kastra/api';
import { DEFAULT_BODY_LIMIT, parseByteLimit, readJsonBody } from './read-json-body';

/** `application/json` and `application/<anything>+json`, with parameters. */
export const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads the JSON body of every Nest route into `req.body` just before its handler. Interceptors
 * run after the guards, so a request that fails authentication (401) or the admin role (403) is
 * answered before its body is read or buffered; the app runs without Express's body parsers,
 * which would read it first. Non-JSON bodies are left unread (the handler sees no body);
 * compressed ones are a 415. Limits as on the fast edge: KASTRA_LLM_BODY_LIMIT, nesting depth.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly limit = parseByteLimit(process.env.KASTRA_LLM_BODY_LIMIT ?? DEFAULT_BODY_LIMIT);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    // Already parsed (an app that kept Express's parser), or nothing to read.
    if (req.body !== undefined || BODYLESS_METHODS.has(req.method)) return next.handle();
    const type = req.headers['content-type'];
    if (typeof type !== 'string' || !JSON_CONTENT_TYPE.test(type)) return next.handle();
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      throw new UnsupportedMediaTypeError(`content-encoding "${encoding}" is not supported: send the body uncompressed`);
    }
    return from(readJsonBody(req, this.limit)).pipe(
      switchMap((body) => {
        req.body = body;
        return next.handle();
      }),
    );
  }
}
