import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call of the tool: its Idempotency-Key and when it arrived (this process's clock). */
export interface ToolCall {
  key: string;
  at: number;
}

/**
 * The side effect of the crash test's http tool steps: counts every call by its Idempotency-Key
 * and answers after the `delay` (ms) of its JSON body, so a step can be made to stay in flight long
 * enough to be killed. Knows which calls are still open (answer not sent, caller still connected).
 */
export class SlowCountingServer {
  readonly calls: ToolCall[] = [];
  private readonly open = new Map<string, number>();
  private readonly server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<SlowCountingServer> {
    const counting: SlowCountingServer = new SlowCountingServer(createServer((req, res) => counting.handle(req, res)));
    await new Promise<void>((resolve) => counting.server.listen(0, '127.0.0.1', resolve));
    return counting;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** Calls of `key` so far. */
  callsOf(key: string): ToolCall[] {
    return this.calls.filter((call) => call.key === key);
  }

  /** Whether a call of `key` is being served right now (its caller waits for the answer). */
  isOpen(key: string): boolean {
    return (this.open.get(key) ?? 0) > 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      this.calls.push({ key, at: Date.now() });
      this.open.set(key, (this.open.get(key) ?? 0) + 1);
      let closed = false;
      // A caller killed with -9 drops the connection: its call is no longer open.
      const done = () => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        this.open.set(key, (this.open.get(key) ?? 1) - 1);
      };
      res.once('close', done);
      const delay = Number((text ? (JSON.parse(text) as { delay?: unknown }) : {}).delay ?? 0);
      const timer = setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ key, delay }));
      }, delay);
    });
  }
}
