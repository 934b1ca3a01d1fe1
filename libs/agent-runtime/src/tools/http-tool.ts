import type { ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';
import { abortFailure, toolSignal } from './tool-signal';

type HeaderValue = string | { secretRef: { name: string; key: string } };

export interface HttpToolSpec {
  url: string;
  /** @default POST */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, HeaderValue>;
}

/**
 * Calls an HTTP endpoint: the input as JSON body (as query parameters for GET and DELETE), the
 * JSON (or text) answer as output. A status >= 400 fails the call; 5xx and 429 are retryable.
 */
export async function runHttpTool(
  label: string,
  namespace: string,
  spec: HttpToolSpec,
  input: unknown,
  ctx: ToolContext & { timeoutMs: number },
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

  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method, headers: requestHeaders, body, signal });
    text = await response.text();
  } catch (error) {
    throw abortFailure(label, ctx.signal, ctx.timeoutMs, error) ??
      new ToolExecutionError(label, 'network', `tool ${label}: ${method} ${url.origin}${url.pathname} failed: ${(error as Error).cause ?? (error as Error).message}`, true);
  }
  const output = parseBody(text, response.headers.get('content-type'));
  if (response.status >= 400) {
    const excerpt = text.length > 500 ? `${text.slice(0, 500)}…` : text;
    throw new ToolExecutionError(
      label,
      'http_status',
      `tool ${label}: ${method} ${url.origin}${url.pathname} answered ${response.status}: ${excerpt}`,
      response.status >= 500 || response.status === 429,
    );
  }
  return output;
}

function parseBody(text: string, contentType: string | null): unknown {
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
