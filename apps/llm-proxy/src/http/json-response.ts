import type { ServerResponse } from 'node:http';

/**
 * Ends `res` with a JSON body, as Express's `res.json` would (same content type), on the bare
 * node response so the fast edge and the Nest controllers answer alike.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}
