import type { IncomingMessage, ServerResponse } from 'node:http';
import { UnauthorizedError } from '@kastra/api';
import type { Principal } from '@kastra/auth';
import { startClock, type CallClock, type CallContext } from '../calls/call-context';
import { Cancellation } from '@kastra/llm';

/**
 * A request the bearer check has let through, with the clock of its call: an Express request
 * (Nest controllers) or a bare node request (the fast edge) alike.
 */
export interface LlmRequest extends IncomingMessage {
  principal?: Principal;
  llmClock?: CallClock;
}

export function principalOf(req: LlmRequest): Principal {
  if (!req.principal) throw new UnauthorizedError('an Authorization: Bearer token is required');
  return req.principal;
}

/**
 * The call context of a request: its user, its clock, and a signal that aborts when the client
 * disconnects before the response is complete (the upstream call is cancelled with it).
 */
export function callContextOf(req: LlmRequest, res: ServerResponse): CallContext {
  const clock = (req.llmClock ??= startClock());
  const disconnect = new Cancellation();
  res.once('close', () => {
    if (!res.writableFinished) disconnect.abort(new Error('client closed the connection'));
  });
  const traceparent = req.headers.traceparent;
  return {
    user: principalOf(req).sub,
    signal: disconnect,
    clock,
    ...(typeof traceparent === 'string' && traceparent !== '' ? { traceparent } : {}),
  };
}
