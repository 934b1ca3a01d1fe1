import type { IncomingMessage } from 'node:http';
import { ResponseTooLargeError } from './egress-errors';

/**
 * Reads a response body of at most `maxBytes`, stopping the download as soon as it would exceed
 * it (a declared Content-Length over the cap stops it before the first byte): `fail` rejects with
 * ResponseTooLargeError, `truncate` resolves with the first `maxBytes` bytes and `truncated`.
 */
export function readCappedBody(response: IncomingMessage, maxBytes: number, over: 'fail' | 'truncate' = 'fail'): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: { body: Buffer; truncated: boolean } | Error) => {
      if (settled) return;
      settled = true;
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const stop = (kept: Buffer[]) => {
      response.destroy();
      finish(over === 'fail' ? new ResponseTooLargeError(maxBytes) : { body: Buffer.concat(kept), truncated: true });
    };
    const declared = Number(response.headers['content-length']);
    if (over === 'fail' && Number.isFinite(declared) && declared > maxBytes) return stop([]);
    response.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.byteLength > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        return stop(chunks);
      }
      chunks.push(chunk);
      size += chunk.byteLength;
    });
    response.once('end', () => finish({ body: Buffer.concat(chunks), truncated: false }));
    response.once('error', (error) => finish(error));
    response.once('close', () => finish(Object.assign(new Error('the connection closed before the end of the response'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
  });
}
