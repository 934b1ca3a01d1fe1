import * as http from 'node:http';

export interface ReadyWatch {
  /** performance.now() at which each `Kind/namespace/name` was first seen with Ready=True. */
  readonly readyAt: Map<string, number>;
  /** Resolves once `count` distinct objects have been seen Ready (or rejects when the watch fails). */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  close(): void;
}

interface WatchLine {
  type: string;
  object: { kind?: string; metadata?: { namespace?: string; name?: string }; status?: { conditions?: { type: string; status: string }[] } };
}

/**
 * Watches every object of the given plurals through the gateway's HTTP API (`?watch=true`, one JSON
 * event a line) and notes when each first reports Ready=True. No polling: the time is taken when
 * the watch line arrives.
 */
export function watchReady(baseUrl: string, token: string, plurals: string[]): Promise<ReadyWatch> {
  const readyAt = new Map<string, number>();
  const requests: http.ClientRequest[] = [];
  let failure: Error | undefined;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());

  const onLine = (line: string) => {
    const event = JSON.parse(line) as WatchLine;
    if (event.type === 'ERROR') {
      failure = new Error(`watch error: ${line}`);
      wake();
      return;
    }
    const ready = event.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const key = `${event.object.kind}/${event.object.metadata?.namespace}/${event.object.metadata?.name}`;
    if (ready && !readyAt.has(key)) {
      readyAt.set(key, performance.now());
      wake();
    }
  };

  const open = (plural: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${baseUrl}/apis/mastra.ai/v1/${plural}?watch=true`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${plural}: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) onLine(line);
          }
        });
        res.on('end', () => {
          if (!closed) {
            failure = new Error(`watch ${plural} ended early`);
            wake();
          }
        });
        resolve();
      });
      req.on('error', (error) => {
        if (!closed) {
          failure = error;
          wake();
        }
        reject(error);
      });
      requests.push(req);
    });

  let closed = false;
  return Promise.all(plurals.map(open)).then(() => ({
    readyAt,
    close() {
      closed = true;
      for (const req of requests) req.destroy();
    },
    async waitFor(count: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (readyAt.size < count) {
        if (failure) throw failure;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`only ${readyAt.size} of ${count} objects Ready within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  }));
}
