import type { Response } from 'express';
import type { RecordedEvent } from '@kastra/event-store';
import { toKubernetesStatus } from '../errors/api-error-status';

/** SSE comments keep proxies from closing a quiet stream (a suspended run may wait for hours). */
const KEEPALIVE_MS = 15_000;

/** An open Server-Sent Events answer of run events. */
export interface RunEventSse {
  /** `id: <stream version>`, `event: <type>`, `data: <the recorded event as JSON>`. */
  event(event: RecordedEvent): void;
  /** `event: <name>` with `data` as JSON (no id: not an event of the run's stream). */
  frame(name: string, data: unknown): void;
  /** `event: error` with the error as a Kubernetes Status. */
  error(error: unknown): void;
  end(): void;
}

/** Answers 200 `text/event-stream` now (headers flushed, keepalive comments every 15 s). */
export function openRunEventSse(res: Response, headers: Record<string, string> = {}): RunEventSse {
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', ...headers });
  res.flushHeaders();
  // Nothing is written once the client has gone (or the answer has ended).
  const write = (text: string) => {
    if (!res.writableEnded && !res.destroyed) res.write(text);
  };
  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  return {
    event: (event) => write(`id: ${event.streamVersion}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
    frame: (name, data) => write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    error: (error) => write(`event: error\ndata: ${JSON.stringify(toKubernetesStatus(error))}\n\n`),
    end: () => {
      clearInterval(keepalive);
      res.end();
    },
  };
}
