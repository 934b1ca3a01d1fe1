import type { ServerResponse } from 'node:http';
import { OVERHEAD_HEADER, proxyOverheadMs, type CallClock } from '../calls/call-context';

/** Starts an SSE response; the overhead header goes out with it, before the first byte of the body. */
export function startSse(res: ServerResponse, clock: CallClock): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(clock).toFixed(3));
  res.flushHeaders();
}

/**
 * Writes one SSE event and waits for the socket to drain when its buffer is full, so a slow
 * client slows the upstream instead of filling memory.
 */
export async function writeSse(res: ServerResponse, data: string, event?: string): Promise<void> {
  if (res.destroyed || res.writableEnded) return;
  const ok = res.write(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
  if (!ok) await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
