import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { CliError, kastraHome, type CliContext } from './cli-context';

/** How long one request may take before the CLI gives up. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Tokens the CLI mints for itself live only as long as one command needs. */
const MINTED_TOKEN_TTL = '10m';

/** A Kubernetes `Status` error from the gateway: printed as kubectl does, exit code 1. */
export class GatewayStatusError extends Error {
  override readonly name = 'GatewayStatusError';
  constructor(readonly httpStatus: number, readonly reason: string, message: string) {
    super(message);
  }

  /** `Error from server (NotFound): llms.mastra.ai "x" not found` */
  format(): string {
    return `Error from server (${this.reason}): ${this.message}`;
  }
}

export interface GatewayResponse {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  body?: string;
  contentType?: string;
  query?: Record<string, string | undefined>;
}

/** A minimal REST client of the gateway: bearer token, JSON answers, Status errors. */
export class GatewayClient {
  constructor(
    readonly server: string,
    private readonly token: string,
    private readonly ca?: string,
  ) {}

  /** The gateway at `server`, authenticated with KASTRA_TOKEN or an admin token minted from KASTRA_HOME. */
  static fromContext(ctx: CliContext, server: string): GatewayClient {
    const home = kastraHome(ctx);
    const token =
      ctx.env.KASTRA_TOKEN ||
      new JwtAuthority(loadDevelopmentSecrets(home, { env: ctx.env }).jwtSecret).issue({ sub: 'kastra-cli', role: 'admin' }, MINTED_TOKEN_TTL);
    // An https gateway with the development certificate is trusted through its CA, when present.
    const caFile = path.join(home, 'tls', 'ca.crt');
    const ca = server.startsWith('https:') && fs.existsSync(caFile) ? fs.readFileSync(caFile, 'utf8') : undefined;
    return new GatewayClient(server, token, ca);
  }

  async request(method: string, pathname: string, options: RequestOptions = {}): Promise<GatewayResponse> {
    const url = new URL(this.server + pathname);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.token}` };
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const response = await this.send(url, method, headers, options.body);
    const body = parseBody(response.text);
    if (response.status >= 400) throw toStatusError(response.status, body, response.text);
    return { status: response.status, body };
  }

  /**
   * Reads a Server-Sent Events answer until the server ends it, calling `onEvent` per frame
   * (keepalive comments skipped). An error answer, or `onEvent` throwing, rejects.
   */
  streamEvents(pathname: string, query: Record<string, string | undefined>, onEvent: (type: string, data: unknown) => void): Promise<void> {
    return this.streamRequest('GET', pathname, { query }, onEvent);
  }

  /**
   * `streamEvents` for any method: sends `options.body` (JSON unless `contentType` says
   * otherwise) asking for `text/event-stream`; `onHeaders` sees the answer's headers first.
   */
  streamRequest(
    method: string,
    pathname: string,
    options: RequestOptions,
    onEvent: (type: string, data: unknown) => void,
    onHeaders?: (headers: http.IncomingHttpHeaders) => void,
  ): Promise<void> {
    const url = new URL(this.server + pathname);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.token}` };
      if (options.body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        headers['content-length'] = String(Buffer.byteLength(options.body));
      }
      const request = transport.request(url, { method, headers, ca: this.ca }, (response) => {
        response.setEncoding('utf8');
        if ((response.statusCode ?? 0) >= 400) {
          let text = '';
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => reject(toStatusError(response.statusCode ?? 0, parseBody(text), text)));
          return;
        }
        try {
          onHeaders?.(response.headers);
        } catch (error) {
          request.destroy();
          reject(error);
          return;
        }
        let buffer = '';
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const type = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!type || data === undefined) continue;
            try {
              onEvent(type, JSON.parse(data));
            } catch (error) {
              request.destroy();
              reject(error);
              return;
            }
          }
        });
        response.on('end', () => resolve());
        response.on('error', reject);
      });
      request.on('error', (error: NodeJS.ErrnoException) =>
        reject(new CliError(`cannot reach the Kastra gateway at ${this.server}: ${error.code ?? error.message}`)),
      );
      request.end(options.body);
    });
  }

  private send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method, headers, ca: this.ca, timeout: REQUEST_TIMEOUT_MS }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      request.on('error', (error: NodeJS.ErrnoException) =>
        reject(new CliError(`cannot reach the Kastra gateway at ${this.server}: ${error.code ?? error.message} (is the stack running? see --server / KASTRA_SERVER)`)),
      );
      request.end(body);
    });
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toStatusError(status: number, body: unknown, text: string): GatewayStatusError {
  if (body && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status') {
    const { reason, message } = body as { reason?: string; message?: string };
    return new GatewayStatusError(status, reason || `HTTP ${status}`, message || `the server responded ${status}`);
  }
  const snippet = text.trim().slice(0, 200);
  return new GatewayStatusError(status, `HTTP ${status}`, snippet || `the server responded ${status}`);
}
