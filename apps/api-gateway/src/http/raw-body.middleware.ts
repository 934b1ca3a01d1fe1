import type { NextFunction, Request, Response } from 'express';
import { RequestEntityTooLargeError } from '@kastra/api';
import { toKubernetesStatus } from '../errors/api-error-status';

/** The largest request body the gateway reads, as the Kubernetes apiserver (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Up to this size an oversized body is still read (and dropped) so the client gets its 413. */
const LINGER_LIMIT_BYTES = 32 * 1024 * 1024;

/** A request whose body this middleware has read (`rawBody` is empty when there was none). */
export interface RequestWithRawBody extends Request {
  rawBody?: Buffer;
}

/**
 * Reads every request body as bytes, whatever its content type, so the handlers parse JSON, YAML
 * and the patch formats themselves (with the parser's message in a 400 Status). Runs before
 * Nest's own body parsers, which then see a consumed stream and step aside. Bodies over
 * `limitBytes` get a 413 Status without reaching a handler.
 */
export function rawBodyMiddleware(limitBytes = MAX_BODY_BYTES) {
  return (req: RequestWithRawBody, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      req.rawBody = Buffer.alloc(0);
      next();
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > LINGER_LIMIT_BYTES) {
      // Far too large to read: answer at once and close (the client may see its write fail).
      refuseAndClose(req, res, limitBytes);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let answered = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else if (size > LINGER_LIMIT_BYTES && !answered) {
        answered = true;
        refuseAndClose(req, res, limitBytes);
      }
    });
    req.on('end', () => {
      if (answered) return;
      // A body over the limit is read to its end and dropped before the 413: a server that
      // closes while the client is still sending makes the client fail on a write error (EPIPE)
      // instead of reading the Status.
      if (size > limitBytes) {
        chunks.length = 0;
        sendTooLarge(res, limitBytes);
        return;
      }
      req.rawBody = Buffer.concat(chunks);
      next();
    });
    req.on('error', (error) => next(error));
  };
}

function refuseAndClose(req: Request, res: Response, limitBytes: number): void {
  res.setHeader('Connection', 'close');
  sendTooLarge(res, limitBytes);
  req.resume();
}

function sendTooLarge(res: Response, limitBytes: number): void {
  const status = toKubernetesStatus(new RequestEntityTooLargeError(`the request body is larger than ${limitBytes} bytes`));
  res.status(status.code).type('application/json').send(JSON.stringify(status));
}
