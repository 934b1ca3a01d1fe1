import * as http from 'node:http';
import * as https from 'node:https';
import { EgressRefusedError, TooManyRedirectsError } from './egress-errors';
import { endpointOf, type EgressOptions, type EgressPolicy } from './egress-policy';

/** Redirects followed before a request fails. */
export const MAX_EGRESS_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers still sent after a redirect to another origin: none that may carry a credential. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent', 'idempotency-key']);

export interface EgressRequest extends EgressOptions {
  url: string | URL;
  policy: EgressPolicy;
  /** @default GET */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** @default MAX_EGRESS_REDIRECTS */
  maxRedirects?: number;
  /** `manual`: a redirect is the response, as fetch's `redirect: 'manual'`. @default follow */
  redirect?: 'follow' | 'manual';
}

/**
 * Sends a request through the egress policy and resolves with the final response, its body not
 * read (the caller reads it, capped, or destroys it). Every connection — the first and each
 * redirect hop, followed here by hand — resolves its host through the policy and connects to the
 * address it checked. A 303 (and a 301/302 of a POST) continues as a GET without body; a hop to
 * another origin keeps only headers that cannot carry a credential.
 */
export async function openEgressResponse(request: EgressRequest): Promise<{ response: http.IncomingMessage; url: URL }> {
  const limit = request.maxRedirects ?? MAX_EGRESS_REDIRECTS;
  let url = new URL(request.url);
  let method = (request.method ?? 'GET').toUpperCase();
  let headers: Record<string, string> = lowerCased(request.headers ?? {});
  let body = request.body;
  for (let hop = 0; ; hop++) {
    const response = await send(url, method, headers, body, request);
    const location = response.headers.location;
    if (request.redirect === 'manual' || !REDIRECTS.has(response.statusCode ?? 0) || !location) return { response, url };
    response.destroy();
    if (hop >= limit) throw new TooManyRedirectsError(limit);
    const next = new URL(location, url);
    const status = response.statusCode ?? 0;
    if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      delete headers['content-type'];
    }
    if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => CROSS_ORIGIN_HEADERS.has(name)));
    url = next;
  }
}

function send(url: URL, method: string, headers: Record<string, string>, body: string | Uint8Array | undefined, request: EgressRequest): Promise<http.IncomingMessage> {
  const endpoint = endpointOf(url);
  if ('refused' in endpoint) return Promise.reject(new EgressRefusedError(endpoint.refused));
  return new Promise((resolve, reject) => {
    const lookup = request.policy.connectLookup(endpoint.host, endpoint.port, { privateAllowed: request.privateAllowed });
    const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const outgoing = (url.protocol === 'https:' ? https : http).request(url, {
      method,
      headers: { ...headers, ...(payload ? { 'content-length': String(payload.byteLength) } : {}) },
      // No shared pool: a socket checked for one resource is never handed to another.
      agent: false,
      lookup,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
