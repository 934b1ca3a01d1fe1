import type { IncomingMessage } from 'node:http';
import { BadRequestError, jsonTextNestsDeeperThan, nestingTooDeepMessage, RequestEntityTooLargeError } from '@kastra/api';

/** The body limit of every route (KASTRA_LLM_BODY_LIMIT): chat bodies carry whole conversations and images. */
export const DEFAULT_BODY_LIMIT = '20mb';

/** `20mb`, `512kb`, `1000` (bytes): the KASTRA_LLM_BODY_LIMIT forms body-parser accepts that we use. */
export function parseByteLimit(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!match) throw new Error(`KASTRA_LLM_BODY_LIMIT must look like 20mb, 512kb or a byte count, not "${value}"`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(match[1]) * unit);
}

/**
 * The JSON body of a request, read straight off the socket: 413 past `limit` bytes (checked
 * against Content-Length first, then while reading), 400 when it is not JSON or nests deeper
 * than MAX_NESTING_DEPTH (checked on the text, before parsing: one pass, no deep parse). An empty
 * body is `{}`, as Express's JSON parser leaves it. Resolves undefined when the client went away.
 * Errors are ApiErrors, which both the call endpoints' and the admin API's error shapes render.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (failed) return;
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
      if (text.trim() === '') return resolve({});
      if (jsonTextNestsDeeperThan(text)) return reject(new BadRequestError(nestingTooDeepMessage('the body')));
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`));
      }
    });
    req.once('aborted', () => resolve(undefined));
    req.once('error', () => resolve(undefined));
  });
}

function tooLarge(limit: number): RequestEntityTooLargeError {
  return new RequestEntityTooLargeError(`the body is larger than the limit of ${limit} bytes (KASTRA_LLM_BODY_LIMIT)`);
}
