import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.setHeader('x-answer', '42');
        res.end(req.url === '/big' ? 'x'.repeat(HTTP_FETCH_MAX_BYTES + 10) : 'hello');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('GETs a URL and returns status, headers and body text', async () => {
      const tool = resource('Tool', 'fetch', { builtin: 'http-fetch' });
      await expect(executeTool(tool, { url: `${base}/hi` }, ctx)).resolves.toMatchObject({ status: 200, body: 'hello', truncated: false, headers: expect.objectContaining({ 'x-answer': '42' }) });
    });

    it('caps the body size and refuses non-http URLs', async () => {
      const tool = resource('Tool', 'fetch', { builtin: 'http-fetch' });
      const small = (await executeTool(tool, { url: `${base}/big`, maxBytes: 100 }, ctx)) as { body: string; truncated: boolean };
      expect(small.body).toHaveLength(100);
      expect(small.truncated).toBe(true);
      const big = (await executeTool(tool, { url: `${base}/big` }, ctx)) as { body: string; truncated: boolean };
      expect(big.body).toHaveLength(HTTP_FETCH_MAX_BYTES);
      await expect(executeTool(tool, { url: 'file:///etc/passwd' }, ctx)).rejects.toMatchObject({ reason: 'bad_input' });
    });
  });
});
