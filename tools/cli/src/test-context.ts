import * as http from 'node:http';
import type { CliContext } from './cli-context';

/** A CliContext that records output, for the CLI's tests. */
export function recordingContext(env: NodeJS.ProcessEnv, cwd: string, stdin = ''): CliContext & { out: string; err: string } {
  const ctx = {
    env,
    cwd,
    out: '',
    err: '',
    stdout: (text: string) => void (ctx.out += text),
    stderr: (text: string) => void (ctx.err += text),
    readStdin: async () => stdin,
  };
  return ctx;
}

/** One request a fake gateway received. */
export interface RecordedRequest {
  method: string;
  url: string;
  contentType?: string;
  authorization?: string;
  body: string;
}

/** A Kubernetes failure Status, as the gateway answers errors. */
export const failureStatus = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

/**
 * A stand-in for the gateway: records every request (with its whole body) into `requests`, then
 * lets `route` answer it; `reply` sends JSON.
 */
export function fakeGatewayServer(
  requests: RecordedRequest[],
  route: (req: http.IncomingMessage, res: http.ServerResponse, body: string, reply: (code: number, payload: unknown) => void) => void,
): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], authorization: req.headers.authorization, body });
      route(req, res, body, (code, payload) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      });
    });
  });
}
