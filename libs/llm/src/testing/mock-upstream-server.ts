import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What a mock upstream does with a request. `normal` answers; the others are the faults users
 * of LLM gateways report: throttling, outages, bad keys, hangs and broken streams.
 */
export type MockScenarioName =
  | 'normal'
  | 'rate_limit'
  | 'server_error'
  | 'unauthorized'
  | 'stall'
  | 'cut_stream'
  | 'malformed_chunk'
  | 'missing_done';

export type MockScenario = MockScenarioName | { delay: number };

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names, as node gives them (the auth header included: tests assert keys). */
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The scenario this request was answered with. */
  scenario: MockScenario;
  /** True once the client closed the connection before the answer was complete. */
  clientAborted: boolean;
}

/** The answer the mock gives: text, or tool calls (arguments as objects). */
export interface MockReply {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: Record<string, unknown> }>;
}

export interface MockReplyContext {
  model: string;
  lastUserText: string;
  /** Tool names offered, with the required properties of each. */
  tools: Array<{ name: string; required: string[] }>;
  hasToolResult: boolean;
}

export interface MockServerOptions {
  /** Scenario for requests that name none. @default 'normal' */
  scenario?: MockScenario;
  /** Added before every answer (the benchmark uses 200). @default 0 */
  delayMs?: number;
  /** Seconds sent in Retry-After on rate_limit. @default 1 */
  retryAfterSeconds?: number;
  /** When set, any other key is answered as unauthorized (key-pool tests). */
  acceptKeys?: string[];
  /** Keep a record of every request. Turn off for long benchmarks. @default true */
  record?: boolean;
  /** Custom answers; the default calls the first tool once, then echoes the last user message. */
  reply?: (context: MockReplyContext) => MockReply;
  /** Models listed by the models endpoint. */
  models?: string[];
  /** Pause between SSE frames, so a test can hang up mid-stream. @default 0 (one write) */
  streamChunkDelayMs?: number;
  /** Prompt tokens reported as read from / written to the cache (Anthropic, OpenAI cached_tokens). */
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

export interface MockRequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  recorded: RecordedRequest;
  url: URL;
  apiKey?: string;
}

/** Scenario header a test can set per request. */
export const MOCK_SCENARIO_HEADER = 'x-mock-scenario';

/**
 * The HTTP shell the three wire-format mocks share: listening on a free port, recording
 * requests, choosing the scenario (per request header, queued, or global) and noticing when a
 * client goes away.
 */
export abstract class MockUpstreamServer {
  readonly requests: RecordedRequest[] = [];
  scenario: MockScenario;
  protected readonly options: MockServerOptions;
  private readonly queued: MockScenario[] = [];
  private readonly abortWaiters: Array<(recorded: RecordedRequest) => void> = [];
  private server?: Server;
  private port = 0;

  constructor(options: MockServerOptions = {}) {
    this.options = options;
    this.scenario = options.scenario ?? 'normal';
  }

  /** The base URL clients are given (includes the version prefix each SDK expects). */
  abstract get baseUrl(): string;

  protected abstract handle(context: MockRequestContext, scenario: MockScenario): Promise<void>;

  /** The key the request carried, from whichever header this wire format uses. */
  protected abstract apiKeyOf(request: IncomingMessage, url: URL): string | undefined;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => void this.dispatch(request, response));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Stalled answers never end on their own: drop every socket.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next requests get these scenarios, in order, before the global one applies again. */
  enqueueScenarios(...scenarios: MockScenario[]): void {
    this.queued.push(...scenarios);
  }

  /** Resolves with the next request whose client hangs up before the answer ends. */
  waitForClientAbort(): Promise<RecordedRequest> {
    return new Promise((resolve) => this.abortWaiters.push(resolve));
  }

  reset(): void {
    this.requests.length = 0;
    this.queued.length = 0;
    this.scenario = this.options.scenario ?? 'normal';
  }

  /** The default answer shared by every wire format. */
  protected replyFor(context: MockReplyContext): MockReply {
    if (this.options.reply) return this.options.reply(context);
    const tool = context.tools[0];
    if (tool && !context.hasToolResult) {
      const args = Object.fromEntries(tool.required.map((name) => [name, context.lastUserText]));
      return { text: '', toolCalls: [{ id: `call_${tool.name}_1`, name: tool.name, arguments: args }] };
    }
    return { text: `Mock answer from ${context.model}: ${context.lastUserText}`, toolCalls: [] };
  }

  protected get cacheRead(): number {
    return this.options.cacheReadTokens ?? 0;
  }

  protected get cacheWrite(): number {
    return this.options.cacheWriteTokens ?? 0;
  }

  protected get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds ?? 1;
  }

  protected sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const payload = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
    response.end(payload);
  }

  protected startSse(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.flushHeaders();
  }

  /** Writes SSE frames, paced by streamChunkDelayMs, and ends the response. */
  protected async sendFrames(response: ServerResponse, frames: string[]): Promise<void> {
    const pause = this.options.streamChunkDelayMs ?? 0;
    if (pause <= 0) {
      response.end(frames.join(''));
      return;
    }
    for (const frame of frames) {
      if (response.destroyed) return;
      response.write(frame);
      await sleep(pause);
    }
    response.end();
  }

  /**
   * A non-streamed answer, or the fault its scenario asks for: `cut_stream` sends half of it and
   * drops the connection, `malformed_chunk` sends `garbled` (JSON broken off) in its place.
   */
  protected sendAnswer(response: ServerResponse, body: unknown, scenario: MockScenario, garbled: string): void {
    if (scenario === 'cut_stream') {
      const payload = JSON.stringify(body);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      response.write(payload.slice(0, payload.length >> 1));
      return this.cut(response);
    }
    if (scenario === 'malformed_chunk') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(garbled) });
      response.end(garbled);
      return;
    }
    this.sendJson(response, 200, body);
  }

  /** `cut_stream` for SSE: these first frames reach the client, then the connection dies. */
  protected sendFramesThenCut(response: ServerResponse, frames: string[]): void {
    response.write(frames.join(''));
    // Let the first bytes reach the client before the connection dies, as in real outages.
    setTimeout(() => this.cut(response), 10);
  }

  /** Kills the connection mid-answer, as a crashed upstream or a dropped proxy would. */
  protected cut(response: ServerResponse): void {
    response.socket?.destroy();
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const headerScenario = request.headers[MOCK_SCENARIO_HEADER];
    const scenario: MockScenario = typeof headerScenario === 'string' ? parseScenario(headerScenario) : (this.queued.shift() ?? this.scenario);
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body, scenario, clientAborted: false };
    if (this.options.record !== false) this.requests.push(recorded);
    response.on('close', () => {
      if (response.writableFinished) return;
      recorded.clientAborted = true;
      for (const waiter of this.abortWaiters.splice(0)) waiter(recorded);
    });
    try {
      const delay = (typeof scenario === 'object' ? scenario.delay : 0) + (this.options.delayMs ?? 0);
      // The wait ends early when the client leaves, so no timer outlives a test.
      if (delay > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          response.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (response.destroyed) return;
      if (scenario === 'stall') return; // never answers; close() drops the socket
      const apiKey = this.apiKeyOf(request, url);
      if (this.options.acceptKeys && (!apiKey || !this.options.acceptKeys.includes(apiKey))) {
        await this.handle({ request, response, recorded, url, apiKey }, 'unauthorized');
        return;
      }
      await this.handle({ request, response, recorded, url, apiKey }, scenario);
    } catch (error) {
      if (!response.headersSent) this.sendJson(response, 500, { error: { message: `mock failed: ${(error as Error).message}` } });
      else response.destroy();
    }
  }
}

function parseScenario(value: string): MockScenario {
  const delay = /^delay:(\d+)$/.exec(value);
  return delay ? { delay: Number(delay[1]) } : (value as MockScenarioName);
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function splitText(text: string, pieces: number): string[] {
  if (!text) return [];
  const size = Math.max(1, Math.ceil(text.length / pieces));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
