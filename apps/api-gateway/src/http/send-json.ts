import type { Response } from 'express';

/**
 * Answers with a JSON body and status code (handlers that also stream watches own the response).
 * Reads (GET, HEAD) go through Express's send, which adds an ETag and answers 304 to a fresh
 * conditional request; a write's answer is never cached, so it skips the ETag Express would hash
 * from every body, and is written as is.
 */
export function sendJson(res: Response, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  const method = res.req?.method;
  if (method === undefined || method === 'GET' || method === 'HEAD' || code === 204 || code === 304) {
    res.status(code).type('application/json').send(text);
    return;
  }
  res.statusCode = code;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
