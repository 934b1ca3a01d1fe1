import { EgressAllowList } from './egress-allow-list';
import { EgressRefusedError, ResponseTooLargeError } from './egress-errors';
import { egressFetch } from './egress-fetch';
import { EgressPolicy } from './egress-policy';
import { startEgressTestServer, type EgressTestServer } from './testing';

const MiB = 1024 * 1024;

describe('egressFetch (the fetch given to MCP and provider SDKs)', () => {
  const servers: EgressTestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const start = async (...args: Parameters<typeof startEgressTestServer>) => {
    const server = await startEgressTestServer(...args);
    servers.push(server);
    return server;
  };

  it('answers as fetch does for an allowed server, and refuses one the policy does not open', async () => {
    // Given a JSON server, opened, and one that is not
    const api = await start((req, res) => res.writeHead(201, { 'content-type': 'application/json', 'x-seen': req.headers['x-key'] ?? '' }).end('{"ok":true}'));
    const closed = await start((_req, res) => res.end('no'));
    const fetchLike = egressFetch(new EgressPolicy(new EgressAllowList(`127.0.0.1:${api.port}`)), { privateAllowed: false });
    // When both are fetched
    const answer = await fetchLike(`${api.url}/x`, { method: 'POST', headers: { 'x-key': 'k' }, body: '{}' });
    // Then the allowed one answers status, headers and body; the other is refused unconnected
    expect({ status: answer.status, seen: answer.headers.get('x-seen'), body: await answer.json() }).toEqual({ status: 201, seen: 'k', body: { ok: true } });
    await expect(fetchLike(closed.url)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(closed.connections).toBe(0);
  });

  it('errors a streamed body at maxResponseBytes and closes the connection', async () => {
    // Given an opened server that would stream 300 MB
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 97);
    const huge = await start((_req, res) => {
      const pump = () => {
        while (written < 300 * MiB && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const fetchLike = egressFetch(new EgressPolicy(new EgressAllowList(`127.0.0.1:${huge.port}`)), { privateAllowed: false, maxResponseBytes: MiB });
    // When its body is read
    const answer = await fetchLike(huge.url);
    const read = answer.arrayBuffer();
    // Then the read fails with ResponseTooLargeError and the server could push only a little
    await expect(read).rejects.toBeInstanceOf(ResponseTooLargeError);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written).toBeLessThan(40 * MiB);
  });

  it('hands a redirect back as is with redirect: manual', async () => {
    const redirecting = await start((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end());
    const fetchLike = egressFetch(new EgressPolicy(new EgressAllowList(`127.0.0.1:${redirecting.port}`)), { privateAllowed: false });
    const answer = await fetchLike(redirecting.url, { redirect: 'manual' });
    expect({ status: answer.status, location: answer.headers.get('location') }).toEqual({ status: 302, location: 'http://169.254.169.254/' });
    await expect(fetchLike(redirecting.url)).rejects.toThrow('169.254.169.254 is a cloud metadata address');
  });
});
