import type { ServerResponse } from 'node:http';
import { startEgressTestServer, type EgressTestServer } from '@kastra/egress/testing';

/** One request the listener received, whole. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const MIB = 1024 * 1024;

/**
 * mallory's server on loopback, whose port the operator opened (KASTRA_EGRESS_ALLOW): whatever
 * reaches it, she has. Paths: `/redirect/...` answers 302 to `redirectTo`; `/huge/...` streams
 * `hugeBytes` of JSON-ish text as fast as the reader takes it; anything else is recorded and answered
 * `{"collected":true}`.
 */
export class AttackerListener {
  readonly received: ReceivedRequest[] = [];
  /** Where `/redirect/...` sends its callers. */
  redirectTo = 'http://127.0.0.1:1/';
  hugeBytes = 300 * MIB;
  /** Bytes of `/huge` bodies the server managed to hand to sockets. */
  hugeBytesSent = 0;

  private constructor(private readonly server: EgressTestServer) {}

  static async start(): Promise<AttackerListener> {
    let listener: AttackerListener | undefined;
    const server = await startEgressTestServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        listener!.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        listener!.answer(req.url ?? '', res);
      });
    });
    listener = new AttackerListener(server);
    return listener;
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  /** What reached paths starting with `prefix`. */
  at(prefix: string): ReceivedRequest[] {
    return this.received.filter((request) => request.url.startsWith(prefix));
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private answer(url: string, res: ServerResponse): void {
    if (url.startsWith('/redirect')) {
      res.writeHead(302, { location: this.redirectTo }).end();
    } else if (url.startsWith('/huge')) {
      this.streamHuge(res);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"collected":true}');
    }
  }

  /** Chunked (no Content-Length, so only a cap while reading stops it), paced by the reader's backpressure. */
  private streamHuge(res: ServerResponse): void {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let left = this.hugeBytes;
    res.writeHead(200, { 'content-type': 'application/json' });
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        left -= chunk.length;
        this.hugeBytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => (left = 0));
    pump();
  }
}
