import type { Response } from 'express';

/** Answers with a JSON body and status code (handlers that also stream watches own the response). */
export function sendJson(res: Response, code: number, body: unknown): void {
  res.status(code).type('application/json').send(JSON.stringify(body));
}
