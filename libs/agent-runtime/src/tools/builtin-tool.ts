import { JsonPathSyntaxError, queryJsonPath } from '@kastra/api';
import { openEgressResponse, readCappedBody } from '@kastra/egress';
import type { ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';
import { connectionFailure } from './connection-failure';
import { NETWORK_STATE_GET, NETWORK_STATE_SET, networkStateGet, networkStateSet } from './network-state-builtins';
import type { ToolConnection } from './tool-connection';
import { toolSignal } from './tool-signal';

/** Largest body http-fetch returns. @default 1 MiB */
export const HTTP_FETCH_MAX_BYTES = 1024 * 1024;

/**
 * The tools built into the runtime (`spec.builtin`); each takes an object input. The
 * network-state ones are given to the members of a network (network-state-tools.ts), not
 * declared by Tools.
 */
export async function runBuiltinTool(label: string, name: string, input: unknown, ctx: ToolContext & { timeoutMs: number; connection: () => Promise<ToolConnection> }): Promise<unknown> {
  const args = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  switch (name) {
    case 'current-time':
      return currentTime(label, args.timeZone);
    case 'http-fetch':
      return httpFetch(label, args, ctx);
    case 'json-path':
      return jsonPath(label, args);
    case NETWORK_STATE_GET:
      return networkStateGet(label, args, ctx);
    case NETWORK_STATE_SET:
      return networkStateSet(label, args, ctx);
    default:
      throw new ToolExecutionError(label, 'unsupported', `tool ${label}: unknown builtin ${JSON.stringify(name)}`);
  }
}

/** Formatters by time zone: building one costs ~1 ms, formatting with it microseconds. */
const localFormats = new Map<string, Intl.DateTimeFormat>();
const MAX_LOCAL_FORMATS = 64;

function localFormat(zone: string): Intl.DateTimeFormat {
  let format = localFormats.get(zone);
  if (!format) {
    // Throws RangeError on an unknown zone (nothing is cached then).
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' });
    if (localFormats.size >= MAX_LOCAL_FORMATS) localFormats.delete(localFormats.keys().next().value as string);
    localFormats.set(zone, format);
  }
  return format;
}

/** `{timeZone?}` → `{iso, epochMs, timeZone, local}`. */
function currentTime(label: string, timeZone: unknown) {
  const now = new Date();
  const zone = typeof timeZone === 'string' && timeZone ? timeZone : 'UTC';
  try {
    const local = localFormat(zone).format(now);
    return { iso: now.toISOString(), epochMs: now.getTime(), timeZone: zone, local };
  } catch {
    throw new ToolExecutionError(label, 'bad_input', `tool ${label}: unknown time zone ${JSON.stringify(zone)}`);
  }
}

/**
 * `{url, maxBytes?}` → GET it: `{status, headers, body, truncated}` with the body as text, cut at
 * maxBytes (at most HTTP_FETCH_MAX_BYTES and the tools' response cap). The URL and every redirect
 * go through the egress policy.
 */
async function httpFetch(label: string, args: Record<string, unknown>, ctx: ToolContext & { timeoutMs: number; connection: () => Promise<ToolConnection> }) {
  let url: URL;
  try {
    url = new URL(String(args.url));
  } catch {
    throw new ToolExecutionError(label, 'bad_input', `tool ${label}: url ${JSON.stringify(args.url)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolExecutionError(label, 'bad_input', `tool ${label}: only http and https URLs can be fetched`);
  }
  const { policy, privateAllowed, maxResponseBytes } = await ctx.connection();
  const limit = Math.min(HTTP_FETCH_MAX_BYTES, maxResponseBytes);
  const maxBytes = typeof args.maxBytes === 'number' && args.maxBytes > 0 ? Math.min(args.maxBytes, limit) : limit;
  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  try {
    const { response } = await openEgressResponse({ url, signal, policy, privateAllowed });
    const { body, truncated } = await readCappedBody(response, maxBytes, 'truncate');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    return { status: response.statusCode ?? 0, headers, body: body.toString('utf8'), truncated };
  } catch (error) {
    throw connectionFailure(label, `GET ${url.origin}${url.pathname}`, error, { caller: ctx.signal, run: signal, timeoutMs: ctx.timeoutMs });
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
