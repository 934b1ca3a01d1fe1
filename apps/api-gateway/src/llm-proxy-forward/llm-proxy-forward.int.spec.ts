import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@kastra/telemetry';
import { freePort } from '@kastra/testing';
import { isLlmProxyPath, LlmProxyForwardMiddleware } from './llm-proxy-forward.middleware';
import { llmProxyUrl } from './llm-proxy-url';

/** A server whose every request goes through the middleware (as the gateway's Nest app does), else answers 418. */
async function gatewayLike(target: URL): Promise<{ url: string; server: Server }> {
  const middleware = new LlmProxyForwardMiddleware(target, createLogger('test'));
  const server = createServer((req, res) => middleware.use(req, res, () => res.writeHead(418).end('gateway')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the gateway relay to the llm-proxy', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((server) => server.close()));

  it('passes the caller\'s Authorization and body, and no other header, and relays the answer', async () => {
    let seen: { url?: string; headers: Record<string, unknown>; body: string } | undefined;
    const proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (piece) => (body += piece));
      req.on('end', () => {
        seen = { url: req.url, headers: req.headers, body };
        res.writeHead(201, { 'content-type': 'application/json', 'x-internal': 'secret', 'retry-after': '3' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    servers.push(proxy);
    const gateway = await gatewayLike(new URL(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`));
    servers.push(gateway.server);
    const answer = await fetch(`${gateway.url}/api/v1/llm/providers?x=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer caller-token', cookie: 'session=1', 'x-forwarded-user': 'admin', 'content-type': 'application/json' },
      body: '{"name":"p"}',
    });
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ ok: true });
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(answer.headers.get('x-internal')).toBeNull();
    expect(seen).toMatchObject({ url: '/api/v1/llm/providers?x=1', body: '{"name":"p"}', headers: { authorization: 'Bearer caller-token', 'content-type': 'application/json' } });
    expect(seen!.headers).not.toHaveProperty('cookie');
    expect(seen!.headers).not.toHaveProperty('x-forwarded-user');
    // Paths that are not the llm-proxy's stay the gateway's
    expect((await fetch(`${gateway.url}/api/v1/llm-modelsx`)).status).toBe(418);
  });

  it('answers 502 llm_proxy_unavailable when the llm-proxy cannot be reached', async () => {
    const gateway = await gatewayLike(new URL(`http://127.0.0.1:${await freePort()}`));
    servers.push(gateway.server);
    const answer = await fetch(`${gateway.url}/api/v1/llm-models`, { headers: { authorization: 'Bearer t' } });
    expect(answer.status).toBe(502);
    expect(await answer.json()).toMatchObject({ error: { code: 'llm_proxy_unavailable' } });
  });

  it('knows its paths and where the llm-proxy is', () => {
    expect(['/api/v1/llm-models', '/api/v1/llm-models/x', '/api/v1/llm/usage'].every(isLlmProxyPath)).toBe(true);
    expect(['/api/v1/llm', '/api/v1/llmx', '/api/v1/llm-modelsx', '/api/v1/namespaces'].some(isLlmProxyPath)).toBe(false);
    expect(['/api/v1/llm/../../v1/chat/completions', '/api/v1/llm/%2E%2e/x', '/api/v1/llm-models/./x'].some(isLlmProxyPath)).toBe(false);
    expect(llmProxyUrl({}).href).toBe('http://127.0.0.1:8081/');
    expect(llmProxyUrl({ KASTRA_LLM_PROXY_PORT: '18081' }).href).toBe('http://127.0.0.1:18081/');
    expect(llmProxyUrl({ KASTRA_LLM_PROXY_URL: 'https://proxy.internal:9443' }).href).toBe('https://proxy.internal:9443/');
    expect(() => llmProxyUrl({ KASTRA_LLM_PROXY_URL: 'ftp://x' })).toThrow(/http/);
  });
});
