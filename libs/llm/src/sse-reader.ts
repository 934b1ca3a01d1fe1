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
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];
  let drained = false;
  const onAbort = () => void reader.cancel().catch(() => undefined);
  upstream.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (upstream.signal.aborted) throw upstream.abortError();
        throw new ProviderError('stream_cut', `upstream stream broke: ${(error as Error).message ?? error}`, { provider: upstream.provider });
      }
      upstream.throwIfAborted();
      if (chunk.done) {
        drained = true;
        break;
      }
      buffer += decoder.decode(chunk.value, { stream: true });
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
  } finally {
    upstream.signal.removeEventListener('abort', onAbort);
    // A consumer that stops early (client gone, error) must not leave the upstream running.
    if (!drained) await reader.cancel().catch(() => undefined);
    try {
      reader.releaseLock();
    } catch {
      // Already released by cancel.
    }
  }
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
