import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from './provider-errors';
import { UpstreamCall } from './upstream-call';
import { postUpstream, readJson, readSseFromResponse } from './upstream-http';

const KEY = 'sk-upstream-http-test-0123456789';

describe('upstream HTTP client (node:http, keep-alive Agent per origin)', () => {
  let server: http.Server;
  let baseUrl: string;
  const remotePorts: number[] = [];
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      remotePorts.push(req.socket.remotePort ?? 0);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    remotePorts.length = 0;
  });

  const upstream = (timeoutMs?: number) => new UpstreamCall('openai', { apiKey: KEY, signal: new AbortController().signal, timeoutMs });

  it('reuses one kept-alive connection for calls in a row and sends the JSON body', async () => {
    // Given an upstream that echoes the request body
    handler = (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.setHeader('content-type', 'application/json').end(JSON.stringify({ got: JSON.parse(body) })));
    };
    // When two calls run one after the other
    const first = await readJson<{ got: unknown }>(await postUpstream(`${baseUrl}/x`, {}, '{"n":1}', upstream()), upstream());
    const second = await readJson<{ got: unknown }>(await postUpstream(`${baseUrl}/x`, {}, '{"n":2}', upstream()), upstream());
    // Then both answers arrive over the same socket
    expect(first.got).toEqual({ n: 1 });
    expect(second.got).toEqual({ n: 2 });
    expect(remotePorts[0]).toBe(remotePorts[1]);
  });

  it('maps a non-2xx answer to a ProviderError with Retry-After and no key in the message', async () => {
    // Given an upstream that rate limits and echoes the key back
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `slow down ${KEY}` } }));
    // When a call is made
    const error = await postUpstream(`${baseUrl}/x`, {}, '{}', upstream()).catch((e: unknown) => e);
    // Then it is a retryable rate limit with the wait, and the key is redacted
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 2000 });
    expect((error as Error).message).not.toContain(KEY);
  });

  it('rejects a base URL that is not http(s) as a bad request', async () => {
    const error = await postUpstream('ftp://127.0.0.1/x', {}, '{}', upstream()).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'bad_request' });
  });

  it('times out a stalled upstream and closes the socket', async () => {
    // Given an upstream that never answers
    let closed!: Promise<void>;
    handler = (req) => {
      closed = new Promise((resolve) => req.socket.once('close', () => resolve()));
    };
    // When the call has a 100 ms deadline
    const error = await postUpstream(`${baseUrl}/x`, {}, '{}', upstream(100)).catch((e: unknown) => e);
    // Then it fails as a timeout and the upstream sees its client go
    expect(error).toMatchObject({ kind: 'timeout' });
    await closed;
  });

  it('reads SSE events split across writes, and a body cut mid-stream is stream_cut', async () => {
    // Given an upstream that writes one event in two pieces, then dies
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"a"');
      setTimeout(() => res.write(':1}\n\nevent: x\ndata: 2\n\n'), 10);
      setTimeout(() => res.socket?.destroy(), 40);
    };
    const call = upstream();
    const events: unknown[] = [];
    // When the stream is read
    const error = await (async () => {
      for await (const sse of readSseFromResponse(await postUpstream(`${baseUrl}/x`, {}, '{}', call), call)) events.push(sse);
    })().catch((e: unknown) => e);
    // Then both events came through whole, then the cut is an error, not a clean end
    expect(events).toEqual([{ data: '{"a":1}' }, { event: 'x', data: '2' }]);
    expect(error).toMatchObject({ kind: 'stream_cut' });
  });
});
