import type { Request, Response } from 'express';
import { RequestEntityTooLargeError } from '@kastra/api';

/** The largest request body the gateway reads, as the Kubernetes apiserver (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Up to this size an oversized body is still read (and dropped) so the client gets its 413. */
const LINGER_LIMIT_BYTES = 32 * 1024 * 1024;

/** A request whose body has been read (`rawBody` is empty when there was none). */
export interface RequestWithRawBody extends Request {
  rawBody?: Buffer;
}

/**
 * Reads a request body as bytes, whatever its content type, so the handlers parse JSON, YAML and
 * the patch formats themselves (with the parser's message in a 400 Status). Called by
 * RawBodyInterceptor, after authentication: an anonymous body is never read. Rejects with a
 * RequestEntityTooLargeError past `limitBytes`.
 */
export function readRawBody(req: Request, res: Response, limitBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > LINGER_LIMIT_BYTES) {
    // Far too large to read: answer at once and close (the client may see its write fail).
    res.setHeader('Connection', 'close');
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else if (size > LINGER_LIMIT_BYTES && !settled) {
        settled = true;
        res.setHeader('Connection', 'close');
        reject(tooLarge(limitBytes));
      }
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      // A body over the limit is read to its end and dropped before the 413: a server that
      // closes while the client is still sending makes the client fail on a write error (EPIPE)
      // instead of reading the Status.
      if (size > limitBytes) reject(tooLarge(limitBytes));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}

function tooLarge(limitBytes: number): RequestEntityTooLargeError {
  return new RequestEntityTooLargeError(`the request body is larger than ${limitBytes} bytes`);
}
