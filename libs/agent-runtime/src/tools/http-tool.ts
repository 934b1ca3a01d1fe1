import { openEgressResponse, readCappedBody } from '@kastra/egress';
import type { ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';
import { connectionFailure } from './connection-failure';
import type { ToolConnection } from './tool-connection';
import { toolSignal } from './tool-signal';

type HeaderValue = string | { secretRef: { name: string; key: string } };

export interface HttpToolSpec {
  url: string;
  /** @default POST */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, HeaderValue>;
}

/**
 * Calls an HTTP endpoint: the input as JSON body (as query parameters for GET and DELETE), the
 * JSON (or text) answer as output. Every connection, redirects included, goes through the egress
 * policy; the answer is read up to `maxResponseBytes`. A status >= 400 fails the call (5xx and
 * 429 are retryable) without quoting the body.
 */
export async function runHttpTool(
  label: string,
  namespace: string,
  spec: HttpToolSpec,
  input: unknown,
  ctx: ToolContext & { timeoutMs: number; connection: ToolConnection },
): Promise<unknown> {
  const method = spec.method ?? 'POST';
  const requestHeaders: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (typeof value === 'string') {
      requestHeaders[name] = value;
      continue;
    }
    const secret = await ctx.secrets(namespace, value.secretRef.name, value.secretRef.key);
    if (secret === undefined) {
      // Names only: the value is a secret, its absence is not.
      throw new ToolExecutionError(label, 'secret_missing', `tool ${label}: header ${name} needs key ${value.secretRef.key} of Secret ${namespace}.${value.secretRef.name}, which does not exist`);
    }
    requestHeaders[name] = secret;
  }
  if (ctx.idempotencyKey) requestHeaders['idempotency-key'] = ctx.idempotencyKey;

  const url = new URL(spec.url);
  let body: string | undefined;
  if (method === 'GET' || method === 'DELETE') {
    if (input && typeof input === 'object') {
      for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
        url.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
      }
    }
  } else {
    requestHeaders['content-type'] = 'application/json';
    body = JSON.stringify(input ?? null);
  }

  const target = `${method} ${url.origin}${url.pathname}`;
  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  const { policy, privateAllowed, maxResponseBytes } = ctx.connection;
  let status: number;
  let contentType: string | undefined;
  let text: string;
  try {
    const { response } = await openEgressResponse({ url, method, headers: requestHeaders, ...(body !== undefined ? { body } : {}), signal, policy, privateAllowed });
    status = response.statusCode ?? 0;
    contentType = response.headers['content-type'];
    text = (await readCappedBody(response, maxResponseBytes)).body.toString('utf8');
  } catch (error) {
    throw connectionFailure(label, target, error, { caller: ctx.signal, run: signal, timeoutMs: ctx.timeoutMs });
  }
  if (status >= 400) {
    throw new ToolExecutionError(label, 'http_status', `tool ${label}: ${target} answered ${status}`, status >= 500 || status === 429);
  }
  return parseBody(text, contentType);
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
