import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressAllowList, EgressPolicy } from '@kastra/egress';
import { startEgressTestServer } from '@kastra/egress/testing';
import { executeTool } from '../execute-tool';
import { HTTP_FETCH_MAX_BYTES } from './builtin-tool';
import { resource } from '../testing-fakes';

const ctx = { secrets: async () => undefined };

describe('builtin tools', () => {
  it('current-time gives now, in UTC or a named time zone', async () => {
    const tool = resource('Tool', 'clock', { builtin: 'current-time' });
    const before = Date.now();
    const utc = (await executeTool(tool, {}, ctx)) as { iso: string; epochMs: number; timeZone: string };
    expect(utc.timeZone).toBe('UTC');
    expect(utc.epochMs).toBeGreaterThanOrEqual(before);
    expect(new Date(utc.iso).getTime()).toBe(utc.epochMs);
    await expect(executeTool(tool, { timeZone: 'Asia/Shanghai' }, ctx)).resolves.toMatchObject({ timeZone: 'Asia/Shanghai' });
    await expect(executeTool(tool, { timeZone: 'Mars/Olympus' }, ctx)).rejects.toMatchObject({ reason: 'bad_input' });
  });

  it('json-path selects values of a document', async () => {
    const tool = resource('Tool', 'jp', { builtin: 'json-path' });
    const document = { items: [{ name: 'egg', price: 2 }, { name: 'rice', price: 5 }] };
    await expect(executeTool(tool, { document, path: '$.items[*].name' }, ctx)).resolves.toEqual({ values: ['egg', 'rice'] });
    await expect(executeTool(tool, { document, path: '.items[?(@.name=="rice")].price' }, ctx)).resolves.toEqual({ values: [5] });
    await expect(executeTool(tool, { document, path: '.items[' }, ctx)).rejects.toMatchObject({ reason: 'bad_input' });
  });

  describe('http-fetch', () => {
    let server: Server;
    let base: string;
    let opened: { secrets: () => Promise<undefined>; egress: { policy: EgressPolicy } };
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.setHeader('x-answer', '42');
        res.end(req.url === '/big' ? 'x'.repeat(HTTP_FETCH_MAX_BYTES + 10) : 'hello');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      base = `http://127.0.0.1:${port}`;
      // The operator opened this test server's port (KASTRA_EGRESS_ALLOW).
      opened = { ...ctx, egress: { policy: new EgressPolicy(new EgressAllowList(`127.0.0.1:${port}`)) } };
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('GETs a URL and returns status, headers and body text', async () => {
      const tool = resource('Tool', 'fetch', { builtin: 'http-fetch' });
      await expect(executeTool(tool, { url: `${base}/hi` }, opened)).resolves.toMatchObject({ status: 200, body: 'hello', truncated: false, headers: expect.objectContaining({ 'x-answer': '42' }) });
    });

    it('caps the body size and refuses non-http URLs', async () => {
      const tool = resource('Tool', 'fetch', { builtin: 'http-fetch' });
      const small = (await executeTool(tool, { url: `${base}/big`, maxBytes: 100 }, opened)) as { body: string; truncated: boolean };
      expect(small.body).toHaveLength(100);
      expect(small.truncated).toBe(true);
      const big = (await executeTool(tool, { url: `${base}/big` }, opened)) as { body: string; truncated: boolean };
      expect(big.body).toHaveLength(HTTP_FETCH_MAX_BYTES);
      await expect(executeTool(tool, { url: 'file:///etc/passwd' }, opened)).rejects.toMatchObject({ reason: 'bad_input' });
    });

    it('cannot fetch an internal endpoint, directly or through a redirect (egress policy)', async () => {
      // Given an internal listener, and the test server's port opened but not the listener's
      const internal = await startEgressTestServer((_req, res) => res.end('kastra_metric 1'));
      const redirecting = await startEgressTestServer((_req, res) => res.writeHead(302, { location: `${internal.url}/metrics` }).end());
      const policy = new EgressPolicy(new EgressAllowList(`127.0.0.1:${redirecting.port}`));
      const tool = resource('Tool', 'fetch', { builtin: 'http-fetch' });
      try {
        // When the model asks http-fetch for the listener and for the redirecting URL
        const direct = executeTool(tool, { url: `${internal.url}/metrics` }, { ...ctx, egress: { policy } });
        const hop = executeTool(tool, { url: redirecting.url }, { ...ctx, egress: { policy } });
        // Then both are refused by the egress policy, and the listener saw no connection
        await expect(direct).rejects.toMatchObject({ reason: 'egress_refused', message: expect.stringContaining('127.0.0.1 is a loopback address') });
        await expect(hop).rejects.toMatchObject({ reason: 'egress_refused' });
        expect(internal.connections).toBe(0);
        expect(redirecting.requests).toHaveLength(1);
      } finally {
        await Promise.all([internal.close(), redirecting.close()]);
      }
    });
  });
});
