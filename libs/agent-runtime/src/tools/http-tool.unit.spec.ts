import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressAllowList, EgressPolicy } from '@kastra/egress';
import { startEgressTestServer, type EgressTestServer } from '@kastra/egress/testing';
import { executeTool } from '../execute-tool';
import { ToolInputError } from '../tool-errors';
import { resource } from '../testing-fakes';

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const MiB = 1024 * 1024;

describe('http tools', () => {
  let server: Server;
  let base: string;
  let opened: EgressPolicy;
  const seen: Seen[] = [];
  const secrets = async (namespace: string, name: string, key: string) => (namespace === 'shop' && name === 'api' && key === 'token' ? 'Bearer s3cret' : undefined);
  // The Tools' last writer may read their Secrets (the rule itself: tool-secret-lookup.unit.spec.ts).
  const allowed = () => ({ secrets, secretAllowed: async () => true, egress: { policy: opened } });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('{}'), 2000);
      if (req.url?.startsWith('/fail')) {
        res.statusCode = 503;
        return void res.end('upstream down: db password is hunter2');
      }
      if (req.url?.startsWith('/text')) return void res.end('plain words');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ received: req.method === 'GET' ? req.url : JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    // The operator opened this test server's port (KASTRA_EGRESS_ALLOW), as the stack does for its mocks.
    opened = new EgressPolicy(new EgressAllowList(`127.0.0.1:${port}`));
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (seen.length = 0));

  it('POSTs the input as JSON with the Idempotency-Key and a header from a Secret, and returns the JSON answer', async () => {
    // Given a tool whose Authorization header comes from Secret shop/api
    const tool = resource('Tool', 'orders', { http: { url: `${base}/orders`, headers: { authorization: { secretRef: { name: 'api', key: 'token' } }, 'x-team': 'kitchen' } } }, 'shop');
    // When it runs with an idempotency key
    const output = await executeTool(tool, { item: 'egg', qty: 2 }, { ...allowed(), idempotencyKey: 'run-9:step-2' });
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
    await expect(executeTool(get, { q: 'tomato soup', n: 3 }, allowed())).resolves.toEqual({ received: '/search?lang=en&q=tomato+soup&n=3' });
    const text = resource('Tool', 'text', { http: { url: `${base}/text` } });
    await expect(executeTool(text, {}, allowed())).resolves.toBe('plain words');
  });

  it('validates the input against inputSchema before calling anything', async () => {
    const tool = resource('Tool', 'orders', { inputSchema: { type: 'object', required: ['item'], properties: { item: { type: 'string' } } }, http: { url: `${base}/orders` } });
    const failure = (await executeTool(tool, { item: 7 }, allowed()).catch((e: unknown) => e)) as ToolInputError;
    expect(failure).toBeInstanceOf(ToolInputError);
    expect(failure.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'input.item', message: 'must be string' }]);
    expect(seen).toHaveLength(0);
  });

  it('fails typed on an error status (quoting no body), a timeout, a missing secret and a cancel', async () => {
    // Given a server answering 503 with text in its body
    const fail = resource('Tool', 'fail', { http: { url: `${base}/fail` } });
    // Then the failure names the status and not a byte of the body
    const failure = (await executeTool(fail, {}, allowed()).catch((e: unknown) => e)) as Error;
    expect(failure).toMatchObject({ name: 'ToolExecutionError', reason: 'http_status', retryable: true, message: `tool default.fail: POST ${base}/fail answered 503` });
    expect(failure.message).not.toContain('hunter2');

    const slow = resource('Tool', 'slow', { http: { url: `${base}/slow` } });
    await expect(executeTool(slow, {}, { ...allowed(), timeoutMs: 200 })).rejects.toMatchObject({ reason: 'timeout' });

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(executeTool(slow, {}, { ...allowed(), signal: controller.signal })).rejects.toMatchObject({ reason: 'cancelled' });

    const noSecret = resource('Tool', 'nosecret', { http: { url: `${base}/orders`, headers: { authorization: { secretRef: { name: 'missing', key: 'token' } } } } }, 'shop');
    const missing = (await executeTool(noSecret, {}, allowed()).catch((e: unknown) => e)) as Error;
    expect(missing).toMatchObject({ reason: 'secret_missing' });
    expect(missing.message).not.toContain('s3cret');
  });
});

describe('http tools under the egress policy (attacks of a confined user)', () => {
  const servers: EgressTestServer[] = [];
  const secrets = async () => 'admin-secret';
  const start = async (...args: Parameters<typeof startEgressTestServer>) => {
    const started = await startEgressTestServer(...args);
    servers.push(started);
    return started;
  };
  const savedEnv = { allow: process.env.KASTRA_EGRESS_ALLOW, max: process.env.KASTRA_TOOL_MAX_RESPONSE_BYTES };
  beforeEach(() => {
    // The process's own policy, as a service runs it: loopback is not on the allow list.
    delete process.env.KASTRA_EGRESS_ALLOW;
    delete process.env.KASTRA_TOOL_MAX_RESPONSE_BYTES;
  });
  afterEach(async () => {
    for (const [name, value] of [['KASTRA_EGRESS_ALLOW', savedEnv.allow], ['KASTRA_TOOL_MAX_RESPONSE_BYTES', savedEnv.max]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('cannot read an internal endpoint: loopback by address and by name is refused and never reached', async () => {
    // Given an internal metrics endpoint on 127.0.0.1 (the executor's :8083/metrics stands for it)
    const metrics = await start((_req, res) => res.end('kastra_secret_metric 1'));
    // When Tools point at it by address, by localhost, and at the cloud metadata address
    const byAddress = resource('Tool', 'scan', { http: { url: `${metrics.url}/metrics`, method: 'GET' } });
    const byName = resource('Tool', 'scan-name', { http: { url: `http://localhost:${metrics.port}/metrics`, method: 'GET' } });
    const metadata = resource('Tool', 'imds', { http: { url: 'http://169.254.169.254/latest/meta-data/', method: 'GET' } });
    // Then each fails as refused by the egress policy, not retryable, and the listener saw no connection
    await expect(executeTool(byAddress, {}, { secrets })).rejects.toMatchObject({
      reason: 'egress_refused',
      retryable: false,
      message: `tool default.scan: GET ${metrics.url}/metrics refused by egress policy: 127.0.0.1 is a loopback address`,
    });
    await expect(executeTool(byName, {}, { secrets })).rejects.toMatchObject({ reason: 'egress_refused', message: expect.stringContaining('localhost resolves to a loopback address') });
    await expect(executeTool(metadata, {}, { secrets, timeoutMs: 2000 })).rejects.toMatchObject({ reason: 'egress_refused', message: expect.stringContaining('cloud metadata address') });
    expect(metrics.connections).toBe(0);
  });

  it('cannot follow a redirect to an internal endpoint, and its Secret header never reaches it', async () => {
    // Given an opened server that redirects to an internal listener that is not opened
    const internal = await start((_req, res) => res.end('internal'));
    const redirector = await start((_req, res) => res.writeHead(307, { location: `${internal.url}/admin` }).end());
    process.env.KASTRA_EGRESS_ALLOW = `127.0.0.1:${redirector.port}`;
    const tool = resource('Tool', 'hop', { http: { url: `${redirector.url}/start`, headers: { authorization: { secretRef: { name: 'a', key: 'b' } } } } });
    // When it runs
    const failure = executeTool(tool, { x: 1 }, { secrets, secretAllowed: async () => true });
    // Then the hop is refused and the internal listener was never reached
    await expect(failure).rejects.toMatchObject({ reason: 'egress_refused', message: expect.stringContaining('127.0.0.1 is a loopback address') });
    expect(redirector.requests).toHaveLength(1);
    expect(internal.connections).toBe(0);
  });

  it('cannot make the executor buffer a 300 MB body: the read stops at the cap, the step fails for good, memory stays flat', async () => {
    // Given an opened server streaming 300 MB, counting what it managed to write
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 120);
    const huge = await start((_req, res) => {
      res.setHeader('content-type', 'application/json');
      const pump = () => {
        while (written < 300 * MiB && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    process.env.KASTRA_EGRESS_ALLOW = `127.0.0.1:${huge.port}`;
    const tool = resource('Tool', 'huge', { http: { url: `${huge.url}/dump`, method: 'GET' } });
    const before = process.memoryUsage().rss;
    // When it runs under the default 5 MiB cap
    const failure = executeTool(tool, {}, { secrets, timeoutMs: 20_000 });
    // Then it fails as too large, not retryable, without quoting the body; RSS grew by far less than the body
    await expect(failure).rejects.toMatchObject({ reason: 'response_too_large', retryable: false, message: expect.stringContaining(`more than ${5 * MiB} bytes`) });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('xxx') });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written).toBeLessThan(40 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(60 * MiB);
  });

  it('reads at most KASTRA_TOOL_MAX_RESPONSE_BYTES', async () => {
    // Given a cap of 1000 bytes and a server answering 2000
    const server = await start((_req, res) => res.end('y'.repeat(2000)));
    process.env.KASTRA_EGRESS_ALLOW = `127.0.0.1:${server.port}`;
    process.env.KASTRA_TOOL_MAX_RESPONSE_BYTES = '1000';
    const tool = resource('Tool', 'capped', { http: { url: server.url, method: 'GET' } });
    // When it runs, Then it fails at the configured cap
    await expect(executeTool(tool, {}, { secrets })).rejects.toMatchObject({ reason: 'response_too_large', message: expect.stringContaining('more than 1000 bytes') });
    // And an answer under it passes
    process.env.KASTRA_TOOL_MAX_RESPONSE_BYTES = '2000';
    await expect(executeTool(tool, {}, { secrets })).resolves.toBe('y'.repeat(2000));
  });

  it('reaches private addresses only for a resource the resolver lets through', async () => {
    // Given an internal listener and a resolver that lets exactly Tool "trusted" reach private addresses
    const internal = await start((_req, res) => res.end('ok'));
    const privateAllowed = async (tool: { metadata: { name: string } }) => tool.metadata.name === 'trusted';
    const call = (name: string) => executeTool(resource('Tool', name, { http: { url: internal.url, method: 'GET' } }), {}, { secrets, egress: { privateAllowed } });
    // Then only that Tool gets through
    await expect(call('trusted')).resolves.toBe('ok');
    await expect(call('other')).rejects.toMatchObject({ reason: 'egress_refused' });
    expect(internal.requests).toHaveLength(1);
  });
});
