import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server for egress tests: counts TCP connections and records requests. */
export interface EgressTestServer {
  server: Server;
  port: number;
  url: string;
  connections: number;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export async function startEgressTestServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<EgressTestServer> {
  const server = createServer((req, res) => {
    state.requests.push(req);
    handle(req, res);
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const state: EgressTestServer = {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    connections: 0,
    requests: [],
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return state;
}
