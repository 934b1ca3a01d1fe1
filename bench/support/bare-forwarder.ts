import * as http from 'node:http';

/**
 * The floor of any Node proxy: a bare node:http server that forwards each POST body to one
 * upstream over kept-alive sockets and relays the answer — no auth, no parsing, no limits, no
 * bookkeeping. Measured beside the real proxy, it says how much of the added latency is the extra
 * hop itself on this machine and how much is the proxy's own work.
 */
export function startBareForwarder(upstreamUrl: string, port: number): Promise<http.Server> {
  const upstream = new URL(upstreamUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forwarded = http.request(
        { agent, host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: req.headers.authorization ?? '' } },
        (answer) => {
          const out: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => out.push(chunk));
          answer.on('end', () => {
            const payload = Buffer.concat(out);
            res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': payload.length });
            res.end(payload);
          });
        },
      );
      forwarded.once('error', () => {
        res.writeHead(502);
        res.end();
      });
      forwarded.end(body);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
