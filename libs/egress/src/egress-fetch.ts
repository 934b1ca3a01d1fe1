import { pipeline, Readable, Transform } from 'node:stream';
import { ResponseTooLargeError } from './egress-errors';
import type { EgressOptions, EgressPolicy } from './egress-policy';
import { openEgressResponse } from './egress-request';

/** The shape of `fetch` SDKs accept as their transport. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` whose every connection goes through the egress policy (each redirect hop checked,
 * at most MAX_EGRESS_REDIRECTS), for SDKs that take a fetch (MCP, provider SDKs). The body is
 * streamed; with `maxResponseBytes` a body growing past it errors its stream with
 * ResponseTooLargeError and closes the connection.
 */
export function egressFetch(policy: EgressPolicy, options: EgressOptions & { maxResponseBytes?: number }): FetchLike {
  return async (input, init) => {
    const request = new Request(input, init?.body instanceof ReadableStream ? { ...init, duplex: 'half' } as RequestInit : init);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    const { response, url } = await openEgressResponse({
      url: request.url,
      method: request.method,
      headers,
      ...(body ? { body } : {}),
      // The caller's signal (init's, else the Request's own).
      signal: request.signal,
      policy,
      privateAllowed: options.privateAllowed,
      redirect: request.redirect === 'follow' ? 'follow' : 'manual',
    });
    const status = response.statusCode ?? 0;
    const responseHeaders = new Headers();
    for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) responseHeaders.append(response.rawHeaders[i], response.rawHeaders[i + 1]);
    let stream: Readable = response;
    if (options.maxResponseBytes !== undefined) stream = pipeline(response, byteCap(options.maxResponseBytes), () => undefined);
    const webBody = NULL_BODY_STATUSES.has(status) || request.method === 'HEAD' ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>);
    if (!webBody) response.destroy();
    const answer = new Response(webBody, { status, statusText: response.statusMessage ?? '', headers: responseHeaders });
    Object.defineProperty(answer, 'url', { value: url.toString() });
    return answer;
  };
}

/** Passes bytes through until `maxBytes`, then errors with ResponseTooLargeError (the pipeline closes the connection). */
function byteCap(maxBytes: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.byteLength;
      if (size > maxBytes) return callback(new ResponseTooLargeError(maxBytes));
      callback(null, chunk);
    },
  });
}
