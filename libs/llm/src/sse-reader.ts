import { ProviderError } from './provider-errors';
import type { UpstreamCall } from './upstream-call';

export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Reads server-sent events from an upstream body. We parse the wire ourselves rather than use
 * the SDKs' stream helpers: they end quietly when `[DONE]` or `message_stop` never comes, and
 * the proxy must turn a cut stream into an error, not a clean finish.
 */
export async function* readSseEvents(body: ReadableStream<Uint8Array> | null, upstream: UpstreamCall): AsyncGenerator<SseEvent> {
  if (!body) throw new ProviderError('malformed', 'upstream response has no body', { provider: upstream.provider });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const state = { drained: false };
  const onAbort = () => void reader.cancel().catch(() => undefined);
  upstream.cancel.addEventListener('abort', onAbort, { once: true });
  try {
    yield* parseSseStream(async () => {
      const chunk = await reader.read();
      return chunk.done ? chunk : { done: false, value: decoder.decode(chunk.value, { stream: true }) };
    }, upstream, state);
  } finally {
    upstream.cancel.removeEventListener('abort', onAbort);
    // A consumer that stops early (client gone, error) must not leave the upstream running.
    if (!state.drained) await reader.cancel().catch(() => undefined);
    try {
      reader.releaseLock();
    } catch {
      // Already released by cancel.
    }
  }
}

/**
 * The SSE wire format over text chunks from any transport: `next()` failing is a cut stream (or
 * the call's abort error); `state.drained` tells the caller the body ended by itself.
 */
export async function* parseSseStream(
  next: () => Promise<IteratorResult<string>>,
  upstream: UpstreamCall,
  state: { drained: boolean },
): AsyncGenerator<SseEvent> {
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];
  for (;;) {
    let chunk: IteratorResult<string>;
    try {
      chunk = await next();
    } catch (error) {
      if (upstream.cancel.aborted) throw upstream.abortError();
      throw new ProviderError('stream_cut', `upstream stream broke: ${(error as Error).message ?? error}`, { provider: upstream.provider });
    }
    upstream.throwIfAborted();
    if (chunk.done) {
      state.drained = true;
      break;
    }
    buffer += chunk.value;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      let line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = undefined;
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line.charAt(5) === ' ' ? 6 : 5));
      } else if (line.startsWith('event:')) {
        event = line.slice(6).trim();
      }
      // `id:`, `retry:` and `:` comments carry nothing the adapters need.
    }
  }
  // A final event without its blank line still counts; a half line does not.
  if (buffer.startsWith('data:')) data.push(buffer.slice(buffer.charAt(5) === ' ' ? 6 : 5));
  if (data.length > 0) yield { event, data: data.join('\n') };
}

/** Parses one event's JSON; a garbled chunk is a `malformed` error, never skipped. */
export function parseEventJson<T>(sse: SseEvent, upstream: UpstreamCall): T {
  try {
    return JSON.parse(sse.data) as T;
  } catch {
    throw new ProviderError('malformed', `upstream sent a malformed stream chunk (${sse.data.length} bytes)`, {
      provider: upstream.provider,
    });
  }
}
