import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@kastra/telemetry';
import { GATEWAY_LOGGER } from '../gateway-logger';

export const LLM_PROXY_URL = 'KASTRA_GATEWAY_LLM_PROXY_URL';

/** Request headers passed to the llm-proxy: the caller's own credentials and what describes the body — nothing of the gateway's. */
const REQUEST_HEADERS = ['authorization', 'content-type', 'content-length', 'content-encoding', 'accept', 'traceparent', 'tracestate', 'idempotency-key'];
/** Response headers passed back (hop-by-hop ones are not). */
const RESPONSE_HEADERS = ['content-type', 'content-length', 'cache-control', 'retry-after', 'retry-after-ms', 'x-kastra-proxy-overhead-ms', 'x-accel-buffering'];

/**
 * The llm-proxy's admin and LLM-service API on the gateway's ports: `/api/v1/llm-models…` and
 * `/api/v1/llm/…` are relayed as they are — method, path, query, body streamed both ways — to the
 * llm-proxy, with the caller's `Authorization` and no other credential, so the llm-proxy
 * authenticates and authorizes the caller exactly as when called directly (cluster admin for the
 * admin API); going through the gateway gains nothing. Runs before the gateway's guards and body
 * reading: the body is never buffered here.
 */
@Injectable()
export class LlmProxyForwardMiddleware implements NestMiddleware {
  constructor(
    @Inject(LLM_PROXY_URL) private readonly target: URL,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  use(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: (error?: unknown) => void): void {
    // The whole URL as the client sent it (a router mount may have cut req.url).
    const url = req.originalUrl ?? req.url ?? '';
    const path = url.split('?')[0];
    if (!isLlmProxyPath(path)) return next();
    const headers: http.OutgoingHttpHeaders = {};
    for (const name of REQUEST_HEADERS) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const base = this.target.pathname.replace(/\/+$/, '');
    const transport = this.target.protocol === 'https:' ? https : http;
    const upstream = transport.request(
      { protocol: this.target.protocol, hostname: this.target.hostname, port: this.target.port, method: req.method, path: `${base}${url}`, headers },
      (answer) => {
        res.statusCode = answer.statusCode ?? 502;
        for (const name of RESPONSE_HEADERS) {
          const value = answer.headers[name];
          if (value !== undefined) res.setHeader(name, value);
        }
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (error) => {
      this.logger.warn({ err: { message: error.message }, path }, 'llm-proxy unreachable');
      if (res.headersSent) return void res.destroy();
      res.statusCode = 502;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { message: 'the llm-proxy could not be reached', type: 'api_error', param: null, code: 'llm_proxy_unavailable' } }));
    });
    // A caller that goes away cancels the relayed call (and the model call behind it).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}

/** `/api/v1/llm-models`, `/api/v1/llm-models/…` and `/api/v1/llm/…`: nothing else (`/api/v1/llmfoo` is the gateway's). */
export function isLlmProxyPath(path: string): boolean {
  // Dot segments (`/api/v1/llm/../../v1/…`, encoded or not) would leave the relayed prefix: never relayed.
  if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(path)) return false;
  return path === '/api/v1/llm-models' || path.startsWith('/api/v1/llm-models/') || path.startsWith('/api/v1/llm/');
}
