import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { executeTool } from '../execute-tool';
import { ToolInputError } from '../tool-errors';
import { resource } from '../testing-fakes';

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('http tools', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  const secrets = async (namespace: string, name: string, key: string) => (namespace === 'shop' && name === 'api' && key === 'token' ? 'Bearer s3cret' : undefined);

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('{}'), 2000);
      if (req.url?.startsWith('/fail')) {
        res.statusCode = 503;
        return void res.end('upstream down');
      }
      if (req.url?.startsWith('/text')) return void res.end('plain words');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ received: req.method === 'GET' ? req.url : JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (seen.length = 0));

  it('POSTs the input as JSON with the Idempotency-Key and a header from a Secret, and returns the JSON answer', async () => {
    // Given a tool whose Authorization header comes from Secret shop/api
    const tool = resource('Tool', 'orders', { http: { url: `${base}/orders`, headers: { authorization: { secretRef: { name: 'api', key: 'token' } }, 'x-team': 'kitchen' } } }, 'shop');
    // When it runs with an idempotency key
    const output = await executeTool(tool, { item: 'egg', qty: 2 }, { secrets, idempotencyKey: 'run-9:step-2' });
    // Then the server got everything, and the output is the parsed answer
    expect(output).toEqual({ received: { item: 'egg', qty: 2 } });
    expect(seen[0].method).toBe('POST');
    expect(seen[0].headers['idempotency-key']).toBe('run-9:step-2');
    expect(seen[0].headers.authorization).toBe('Bearer s3cret');
    expect(seen[0].headers['x-team']).toBe('kitchen');
    expect(seen[0].headers['content-type']).toBe('application/json');
  });

  it('sends GET input as query parameters and returns text answers as text', async () => {
    const get = resource('Tool', 'search', { http: { url: `${base}/search?lang=en`, method: 'GET' } });
    await expect(executeTool(get, { q: 'tomato soup', n: 3 }, { secrets })).resolves.toEqual({ received: '/search?lang=en&q=tomato+soup&n=3' });
    const text = resource('Tool', 'text', { http: { url: `${base}/text` } });
    await expect(executeTool(text, {}, { secrets })).resolves.toBe('plain words');
  });

  it('validates the input against inputSchema before calling anything', async () => {
    const tool = resource('Tool', 'orders', { inputSchema: { type: 'object', required: ['item'], properties: { item: { type: 'string' } } }, http: { url: `${base}/orders` } });
    const failure = (await executeTool(tool, { item: 7 }, { secrets }).catch((e: unknown) => e)) as ToolInputError;
    expect(failure).toBeInstanceOf(ToolInputError);
    expect(failure.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'input.item', message: 'must be string' }]);
    expect(seen).toHaveLength(0);
  });

  it('fails typed on an error status, a timeout, a missing secret and a cancel', async () => {
    const fail = resource('Tool', 'fail', { http: { url: `${base}/fail` } });
    await expect(executeTool(fail, {}, { secrets })).rejects.toMatchObject({ name: 'ToolExecutionError', reason: 'http_status', retryable: true, message: expect.stringContaining('503') });

    const slow = resource('Tool', 'slow', { http: { url: `${base}/slow` } });
    await expect(executeTool(slow, {}, { secrets, timeoutMs: 200 })).rejects.toMatchObject({ reason: 'timeout' });

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(executeTool(slow, {}, { secrets, signal: controller.signal })).rejects.toMatchObject({ reason: 'cancelled' });

    const noSecret = resource('Tool', 'nosecret', { http: { url: `${base}/orders`, headers: { authorization: { secretRef: { name: 'missing', key: 'token' } } } } }, 'shop');
    const failure = (await executeTool(noSecret, {}, { secrets }).catch((e: unknown) => e)) as Error;
    expect(failure).toMatchObject({ reason: 'secret_missing' });
    expect(failure.message).not.toContain('s3cret');
  });
});
