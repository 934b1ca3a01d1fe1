import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errorFromStatus, type KubernetesStatus } from '../errors/status-errors';

export interface GatewayConnection {
  /** The gateway's URL, e.g. `https://127.0.0.1:8443` or `http://127.0.0.1:8080`. */
  gateway: string;
  /** A bearer token (`kastra token …`). */
  token: string;
  /** PEM CA certificate(s) the gateway's HTTPS certificate is checked against (e.g. `$KASTRA_HOME/tls/ca.crt`). */
  ca?: string | Buffer;
}

export interface GatewayRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** What was asked for, to type a 404. */
  resource?: { kind: string; namespace: string; name: string };
}

/** Answers of the gateway: JSON bodies, streams of lines and Server-Sent Events. */
export class GatewayHttp {
  private readonly base: URL;

  constructor(private readonly connection: GatewayConnection) {
    this.base = new URL(connection.gateway);
    if (!['http:', 'https:'].includes(this.base.protocol)) throw new TypeError(`gateway must be an http(s) URL, not ${connection.gateway}`);
  }

  /** The JSON answer; a non-2xx answer is thrown as the typed error of its Status (unless `accept(status)` says otherwise). */
  async json<T>(req: GatewayRequest, accepted: (status: number) => boolean = (status) => status < 300): Promise<{ status: number; body: T }> {
    const res = await this.open(req);
    const text = await readAll(res);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 500) };
    }
    const status = res.statusCode ?? 0;
    if (!accepted(status)) throw errorFromStatus((body ?? {}) as KubernetesStatus, status, req.resource);
    return { status, body: body as T };
  }

  /** The answer's lines as they arrive (watches: one JSON event a line); `onOpen` once the answer has started. */
  async *lines(req: GatewayRequest, onOpen?: () => void): AsyncGenerator<string> {
    const res = await this.openOk(req);
    onOpen?.();
    let buffer = '';
    for await (const chunk of res) {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== '') yield line;
      }
    }
    if (buffer.trim() !== '') yield buffer.trim();
  }

  /** Server-Sent Events of the answer: `{event, data}` with data parsed as JSON. */
  async *events(req: GatewayRequest): AsyncGenerator<{ event: string; data: unknown }> {
    const res = await this.openOk({ ...req, accept: 'text/event-stream' });
    let buffer = '';
    for await (const chunk of res) {
      buffer += chunk.toString();
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length === 0) continue; // a keepalive comment
        let parsed: unknown;
        try {
          parsed = JSON.parse(data.join('\n'));
        } catch {
          parsed = data.join('\n');
        }
        yield { event, data: parsed };
      }
    }
  }

  private async openOk(req: GatewayRequest): Promise<IncomingMessage> {
    const res = await this.open(req);
    const status = res.statusCode ?? 0;
    if (status >= 300) {
      const text = await readAll(res);
      let body: KubernetesStatus = {};
      try {
        body = JSON.parse(text) as KubernetesStatus;
      } catch {
        body = { message: text.slice(0, 500) };
      }
      throw errorFromStatus(body, status, req.resource);
    }
    return res;
  }

  private open(req: GatewayRequest): Promise<IncomingMessage> {
    const url = new URL(req.path, this.base);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const body = req.body === undefined ? undefined : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.token}`, accept: req.accept ?? 'application/json' };
    if (body) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(body.length);
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(url, { method: req.method, headers, signal: req.signal, ...(this.connection.ca ? { ca: this.connection.ca } : {}) }, resolve);
      outgoing.on('error', (error) => reject(connectionError(error, this.base)));
      outgoing.end(body);
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** A transport failure names the gateway but never the token. */
function connectionError(error: Error, base: URL): Error {
  if (error.name === 'AbortError') return error;
  return Object.assign(new Error(`cannot reach the gateway at ${base.origin}: ${error.message}`), { name: 'GatewayUnreachableError', cause: error });
}
