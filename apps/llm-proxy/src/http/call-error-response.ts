import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createLogger } from '@kastra/telemetry';
import { OVERHEAD_HEADER, proxyOverheadMs, type CallClock } from '../calls/call-context';
import { anthropicErrorBody, callErrorOf, openAiErrorBody } from './error-bodies';
import { sendJson } from './json-response';

const logger = createLogger('llm-proxy').child({ component: 'http' });

export type ErrorShape = 'openai' | 'anthropic';

/** Anthropic's shape on `/v1/messages…` and for requests carrying `anthropic-version` (the Anthropic SDK sends it always); OpenAI's otherwise. */
export function errorShapeOf(path: string, headers: IncomingHttpHeaders): ErrorShape {
  return path.startsWith('/v1/messages') || headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

/**
 * Answers a failed call in the shape its client's SDK parses (`errorShapeOf`). Unexpected errors
 * are logged (never the request, which may carry a key) and answered as a bare 500. Shared by the
 * Nest filters and the fast edge.
 */
export function sendCallError(path: string, res: ServerResponse, exception: unknown, clock: CallClock | undefined, shape: ErrorShape = errorShapeOf(path, {})): void {
  const error = callErrorOf(exception);
  if (error.status >= 500 && error.type === 'internal') logger.error({ err: exception, path }, 'request failed with an unexpected error');
  if (res.headersSent) {
    res.end();
    return;
  }
  if (clock) res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(clock).toFixed(3));
  if (error.retryAfterMs !== undefined) {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    res.setHeader('retry-after-ms', String(Math.ceil(error.retryAfterMs)));
  }
  // 499 (client closed) has nobody to answer, but the exchange still needs a valid status to end.
  const status = error.status === 499 ? 400 : error.status;
  sendJson(res, status, shape === 'anthropic' ? anthropicErrorBody(error) : openAiErrorBody(error));
}
