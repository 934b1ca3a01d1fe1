import * as http from 'node:http';
import * as https from 'node:https';
import type { ProviderCall } from './provider-adapter';
import { ProviderError } from './provider-errors';
import { parseSseStream, type SseEvent } from './sse-reader';
import { errorFromResponse, type UpstreamCall } from './upstream-call';
import { egressCacheKey, egressRefusal } from './upstream-egress';

/**
 * A small upstream HTTP client on `node:http`/`node:https` for the OpenAI-format fetch
 * transport. Global `fetch` (undici + web streams) costs ~2–2.7 ms CPU per call on our 2-core
 * target; a plain request on a keep-alive Agent costs ~0.6 ms (docs/llm-proxy.md).
 */

const MAX_SOCKETS_PER_ORIGIN = 256;
/** Idle keep-alive sockets close after this; the Agent only times out free sockets. */
const IDLE_SOCKET_TIMEOUT_MS = 30_000;
const AGENT_CACHE_LIMIT = 256;

const agents = new Map<string, http.Agent>();

/**
 * One shared keep-alive Agent per origin, so connections are reused across calls and keys. A call
 * under the egress policy gets an Agent of its own kind whose sockets resolve through the policy
 * (a refused literal address throws EgressRefusedError here), so a socket checked for one rule is
 * never handed to a call under another.
 */
function agentFor(url: URL, egress: ProviderCall['egress']): http.Agent {
  const origin = `${url.protocol}//${url.host}${egress ? `\u0000${egressCacheKey(egress)}` : ''}`;
  let agent = agents.get(origin);
  if (!agent) {
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const lookup = egress ? egress.policy.connectLookup(url.hostname, port, { privateAllowed: egress.privateAllowed }) : undefined;
    const options: http.AgentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN, timeout: IDLE_SOCKET_TIMEOUT_MS, ...(lookup ? { lookup } : {}) };
    agent = url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    // Dropped agents are not destroyed: calls in flight on them must finish; idle sockets time out.
    if (agents.size >= AGENT_CACHE_LIMIT) agents.delete(agents.keys().next().value as string);
    agents.set(origin, agent);
  }
  return agent;
}

/**
 * POSTs a JSON body and resolves with the 2xx response (body unread). A non-2xx answer becomes
 * the same ProviderError as before (status kind, Retry-After, key redacted). Aborting the call's
 * signal (caller abort or deadline) destroys the request and its socket at any point, including
 * while the body is being read.
 */
export function postUpstream(
  url: string,
  headers: Record<string, string>,
  body: string,
  upstream: UpstreamCall,
): Promise<http.IncomingMessage> {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    if (upstream.cancel.aborted) return reject(upstream.abortError());
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return reject(new ProviderError('bad_request', `provider ${upstream.provider} has an invalid base URL`, { provider: upstream.provider }));
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return reject(new ProviderError('bad_request', `provider ${upstream.provider} base URL must be http or https`, { provider: upstream.provider }));
    }
    let agent: http.Agent;
    try {
      agent = agentFor(target, upstream.call.egress);
    } catch (error) {
      return reject(egressRefusal(upstream.provider, error) ?? error);
    }
    const payload = Buffer.from(body, 'utf8');
    const request = (target.protocol === 'https:' ? https : http).request(target, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': String(payload.length) },
    });
    const onAbort = () => request.destroy(upstream.abortError());
    upstream.cancel.addEventListener('abort', onAbort, { once: true });
    // 'close' comes once the response has been read to its end or the request was destroyed.
    request.once('close', () => upstream.cancel.removeEventListener('abort', onAbort));
    request.once('error', (error) => reject(upstream.cancel.aborted ? upstream.abortError() : error));
    request.once('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return resolve(response);
      readText(response, upstream).then(
        (text) => errorFromResponse(upstream, asFetchResponse(response, status, text)).then(reject, reject),
        // The body is only for the message; the status decides the kind.
        () => errorFromResponse(upstream, asFetchResponse(response, status, '')).then(reject, reject),
      );
    });
    request.end(payload);
  });
}

/**
 * Reads a whole response body as text; a body cut short rejects (premature close). Plain
 * 'data'/'end' events rather than `for await`: a stream's async iterator costs several
 * kilobytes of short-lived objects and a promise per chunk, on every call through the proxy.
 */
export function readText(response: http.IncomingMessage, upstream: UpstreamCall): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => {
      ended = true;
      if (upstream.cancel.aborted) return reject(upstream.abortError());
      resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'));
    });
    response.once('error', (error) => reject(upstream.cancel.aborted ? upstream.abortError() : error));
    response.once('close', () => {
      if (ended) return;
      reject(upstream.cancel.aborted ? upstream.abortError() : Object.assign(new Error('the upstream closed the connection before the end of its answer'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

/** Reads a JSON response body; bad JSON throws a SyntaxError, which maps to `malformed`. */
export async function readJson<T>(response: http.IncomingMessage, upstream: UpstreamCall): Promise<T> {
  return JSON.parse(await readText(response, upstream)) as T;
}

/**
 * Server-sent events from a node response, with exactly the semantics of `readSseEvents`: a
 * broken body is `stream_cut`, an abort is the call's cancel/timeout error, a final event
 * without its blank line still counts, and a consumer that stops early closes the connection.
 */
export async function* readSseFromResponse(response: http.IncomingMessage, upstream: UpstreamCall): AsyncGenerator<SseEvent> {
  response.setEncoding('utf8');
  const chunks = response[Symbol.asyncIterator]() as AsyncIterator<string>;
  const state = { drained: false };
  try {
    yield* parseSseStream(() => chunks.next(), upstream, state);
  } finally {
    // A consumer that stops early (client gone, error) must not leave the upstream running:
    // destroying the response closes the socket instead of returning it to the pool.
    if (!state.drained) response.destroy();
  }
}

/** The few Response members `errorFromResponse` reads, over an already-read node response. */
function asFetchResponse(response: http.IncomingMessage, status: number, text: string): Response {
  const get = (name: string): string | null => {
    const value = response.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return { status, ok: false, headers: { get }, text: async () => text } as unknown as Response;
}
