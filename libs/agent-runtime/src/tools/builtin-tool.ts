import { JsonPathSyntaxError, queryJsonPath } from '@kastra/api';
import type { ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';
import { abortFailure, toolSignal } from './tool-signal';

/** Largest body http-fetch returns. @default 1 MiB */
export const HTTP_FETCH_MAX_BYTES = 1024 * 1024;

/** The tools built into the runtime (`spec.builtin`); each takes an object input. */
export async function runBuiltinTool(label: string, name: string, input: unknown, ctx: ToolContext & { timeoutMs: number }): Promise<unknown> {
  const args = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  switch (name) {
    case 'current-time':
      return currentTime(label, args.timeZone);
    case 'http-fetch':
      return httpFetch(label, args, ctx);
    case 'json-path':
      return jsonPath(label, args);
    default:
      throw new ToolExecutionError(label, 'unsupported', `tool ${label}: unknown builtin ${JSON.stringify(name)}`);
  }
}

/** `{timeZone?}` → `{iso, epochMs, timeZone, local}`. */
function currentTime(label: string, timeZone: unknown) {
  const now = new Date();
  const zone = typeof timeZone === 'string' && timeZone ? timeZone : 'UTC';
  try {
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' }).format(now);
    return { iso: now.toISOString(), epochMs: now.getTime(), timeZone: zone, local };
  } catch {
    throw new ToolExecutionError(label, 'bad_input', `tool ${label}: unknown time zone ${JSON.stringify(zone)}`);
  }
}

/** `{url, maxBytes?}` → GET it: `{status, headers, body, truncated}` with the body as text. */
async function httpFetch(label: string, args: Record<string, unknown>, ctx: ToolContext & { timeoutMs: number }) {
  let url: URL;
  try {
    url = new URL(String(args.url));
  } catch {
    throw new ToolExecutionError(label, 'bad_input', `tool ${label}: url ${JSON.stringify(args.url)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolExecutionError(label, 'bad_input', `tool ${label}: only http and https URLs can be fetched`);
  }
  const maxBytes = typeof args.maxBytes === 'number' && args.maxBytes > 0 ? Math.min(args.maxBytes, HTTP_FETCH_MAX_BYTES) : HTTP_FETCH_MAX_BYTES;
  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: 'follow' });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const room = maxBytes - size;
        if (chunk.byteLength > room) {
          chunks.push(Buffer.from(chunk.subarray(0, room)));
          truncated = true;
          break;
        }
        chunks.push(Buffer.from(chunk));
        size += chunk.byteLength;
      }
    }
    if (truncated) await response.body?.cancel().catch(() => undefined);
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: Buffer.concat(chunks).toString('utf8'),
      truncated,
    };
  } catch (error) {
    throw abortFailure(label, ctx.signal, ctx.timeoutMs, error) ??
      new ToolExecutionError(label, 'network', `tool ${label}: GET ${url.origin}${url.pathname} failed: ${(error as Error).message}`, true);
  }
}

/** `{document, path}` → `{values}`: every value the JSONPath (`$.a.b`, `.a[*].b`, filters) selects. */
function jsonPath(label: string, args: Record<string, unknown>) {
  if (typeof args.path !== 'string') throw new ToolExecutionError(label, 'bad_input', `tool ${label}: path must be a string`);
  const path = args.path.startsWith('$') ? args.path.slice(1) : args.path;
  try {
    return { values: queryJsonPath(args.document, path) };
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) throw new ToolExecutionError(label, 'bad_input', `tool ${label}: ${error.message}`);
    throw error;
  }
}
