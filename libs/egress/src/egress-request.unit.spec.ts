import { EgressAllowList } from './egress-allow-list';
import { EgressRefusedError, ResponseTooLargeError, TooManyRedirectsError } from './egress-errors';
import { EgressPolicy, type HostResolver } from './egress-policy';
import { openEgressResponse } from './egress-request';
import { readCappedBody } from './read-capped-body';
import { startEgressTestServer, type EgressTestServer } from './testing';

const confined = { privateAllowed: false };
const MiB = 1024 * 1024;

describe('requests through the egress policy', () => {
  const servers: EgressTestServer[] = [];
  const start = async (...args: Parameters<typeof startEgressTestServer>) => {
    const server = await startEgressTestServer(...args);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('refuses a loopback URL before connecting, unless the resource may reach private addresses', async () => {
    // Given a listener on 127.0.0.1 and a policy that opens nothing
    const target = await start((_req, res) => res.end('internal'));
    const policy = new EgressPolicy();
    // When a confined resource asks for it
    const refused = openEgressResponse({ url: `${target.url}/metrics`, policy, ...confined });
    // Then it is refused, naming the address class, and the listener never saw a connection
    await expect(refused).rejects.toThrow(new EgressRefusedError('127.0.0.1 is a loopback address'));
    expect(target.connections).toBe(0);
    // And one that may reach private addresses gets through
    const { response } = await openEgressResponse({ url: `${target.url}/metrics`, policy, privateAllowed: true });
    expect((await readCappedBody(response, 100)).body.toString()).toBe('internal');
  });

  it('lets through what KASTRA_EGRESS_ALLOW opens, and only that port', async () => {
    // Given two listeners and an allow list naming the first one's port
    const open = await start((_req, res) => res.end('open'));
    const closed = await start((_req, res) => res.end('closed'));
    const policy = new EgressPolicy(new EgressAllowList(`127.0.0.1:${open.port}`));
    // When a confined resource asks for each
    const { response } = await openEgressResponse({ url: open.url, policy, ...confined });
    // Then only the opened one is reached
    expect((await readCappedBody(response, 100)).body.toString()).toBe('open');
    await expect(openEgressResponse({ url: closed.url, policy, ...confined })).rejects.toBeInstanceOf(EgressRefusedError);
    expect(closed.connections).toBe(0);
  });

  it('checks every redirect hop: a redirect to a private address is refused before connecting', async () => {
    // Given an opened server that redirects to a listener that is not opened, and one redirecting to the metadata address
    const internal = await start((_req, res) => res.end('secret metrics'));
    const redirector = await start((req, res) => {
      res.writeHead(302, { location: req.url === '/meta' ? 'http://169.254.169.254/latest/meta-data/' : `${internal.url}/metrics` }).end();
    });
    const policy = new EgressPolicy(new EgressAllowList(`127.0.0.1:${redirector.port}`));
    // When a confined resource follows them
    // Then each hop to a forbidden address is refused and the internal listener never saw a connection
    await expect(openEgressResponse({ url: `${redirector.url}/go`, policy, ...confined })).rejects.toThrow('refused by egress policy: 127.0.0.1 is a loopback address');
    await expect(openEgressResponse({ url: `${redirector.url}/meta`, policy, ...confined })).rejects.toThrow('refused by egress policy: 169.254.169.254 is a cloud metadata address');
    expect(internal.connections).toBe(0);
    expect(redirector.requests).toHaveLength(2);
  });

  it('judges host names by what they resolve to, and names no resolved address', async () => {
    // Given a resolver mapping a public-looking name to 127.0.0.1, and a redirect to it from an opened host
    const internal = await start((_req, res) => res.end('x'));
    const entry = await start((_req, res) => res.writeHead(307, { location: `http://internal.test:${internal.port}/` }).end());
    const resolver: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const policy = new EgressPolicy(new EgressAllowList(`entry.test:${entry.port}`), resolver);
    // When a confined resource calls the opened name
    const refused = openEgressResponse({ url: `http://entry.test:${entry.port}/`, method: 'POST', body: '{}', policy, ...confined });
    // Then the opened name is reached, and the hop to the name resolving to loopback is refused
    await expect(refused).rejects.toThrow(new EgressRefusedError('internal.test resolves to a loopback address'));
    expect(entry.requests).toHaveLength(1);
    expect(internal.connections).toBe(0);
  });

  it('connects to the address it checked: a resolver answering public then 127.0.0.1 (DNS rebinding) never reaches loopback', async () => {
    // Given a listener on 127.0.0.1 and a resolver whose first answer is public and every later one loopback
    const internal = await start((_req, res) => res.end('secret'));
    let lookups = 0;
    const rebinding: HostResolver = async () => (lookups++ === 0 ? [{ address: '203.0.113.10', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const policy = new EgressPolicy(new EgressAllowList(), rebinding);
    // When a confined resource calls the name (the public address does not answer here)
    const outcome = await openEgressResponse({ url: `http://rebind.test:${internal.port}/`, policy, ...confined, signal: AbortSignal.timeout(1500) }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    // Then the one resolution was checked and connected to; loopback was never reached
    expect(outcome).not.toBe('answered');
    expect(lookups).toBe(1);
    expect(internal.connections).toBe(0);
  });

  it('drops credential headers on a redirect to another origin and stops after 5 redirects', async () => {
    // Given two opened servers: the first redirects to the second, which loops on itself
    const second = await start((req, res) => res.writeHead(302, { location: req.url ?? '/' }).end());
    const first = await start((_req, res) => res.writeHead(307, { location: `${second.url}/loop` }).end());
    const policy = new EgressPolicy(new EgressAllowList('127.0.0.1/32'));
    // When a request with an Authorization header follows them
    const followed = openEgressResponse({ url: first.url, headers: { Authorization: 'Bearer admin-secret', 'X-Api-Key': 'k', Accept: 'application/json' }, policy, ...confined });
    // Then it fails after 5 redirects: 1 request to the first, 5 to the second, none of them with the credentials
    await expect(followed).rejects.toBeInstanceOf(TooManyRedirectsError);
    expect(first.requests[0].headers.authorization).toBe('Bearer admin-secret');
    expect(second.requests).toHaveLength(5);
    expect(second.requests.every((req) => req.headers.authorization === undefined && req.headers['x-api-key'] === undefined)).toBe(true);
    expect(second.requests[0].headers.accept).toBe('application/json');
  });

  it('caps a 300 MB body while streaming: the read stops at the cap and memory stays flat', async () => {
    // Given an opened server that would stream 300 MB (no Content-Length), counting what it got to write
    let written = 0;
    const total = 300 * MiB;
    const chunk = Buffer.alloc(64 * 1024, 97);
    const huge = await start((_req, res) => {
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const policy = new EgressPolicy(new EgressAllowList(`127.0.0.1:${huge.port}`));
    global.gc?.();
    const before = process.memoryUsage().rss;
    // When the body is read with a 5 MiB cap
    const { response } = await openEgressResponse({ url: huge.url, policy, ...confined });
    const read = readCappedBody(response, 5 * MiB);
    // Then the read fails at the cap, the server could not push much more, and RSS grew by far less than the body
    await expect(read).rejects.toBeInstanceOf(ResponseTooLargeError);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written).toBeLessThan(40 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(60 * MiB);
  });

  it('refuses a declared Content-Length over the cap before reading, and truncates when asked to', async () => {
    // Given a server answering 1000 bytes with Content-Length
    const server = await start((_req, res) => res.writeHead(200, { 'content-length': '1000' }).end(Buffer.alloc(1000, 98)));
    const policy = new EgressPolicy(new EgressAllowList(`127.0.0.1:${server.port}`));
    // When it is read with a 100-byte cap, failing, then truncating
    const first = await openEgressResponse({ url: server.url, policy, ...confined });
    await expect(readCappedBody(first.response, 100)).rejects.toThrow('larger than 100 bytes');
    const second = await openEgressResponse({ url: server.url, policy, ...confined });
    const truncated = await readCappedBody(second.response, 100, 'truncate');
    // Then the truncated read keeps exactly the first 100 bytes
    expect(truncated).toEqual({ body: Buffer.alloc(100, 98), truncated: true });
  });
});
