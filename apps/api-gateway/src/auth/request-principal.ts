import type { Request } from 'express';
import { UnauthorizedError } from '@kastra/api';
import type { Principal } from '@kastra/auth';
import type { AuthorizationAttributes } from '@kastra/rbac';
import type { WriteContext } from '@kastra/resource-store';
import { traceparentOf } from '../http/request-span.middleware';

/** A request the authorization middleware or guard has let through. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  /** What the request was authorized to do. */
  attributes?: AuthorizationAttributes;
  authorized?: boolean;
}

export function principalOf(req: AuthenticatedRequest): Principal {
  if (!req.principal) throw new UnauthorizedError('an Authorization: Bearer token is required');
  return req.principal;
}

/** Who asks and in which trace, carried into the events the request appends. */
export function writeContextOf(req: AuthenticatedRequest, dryRun: boolean): WriteContext {
  // The request's own span (a child of the caller's traceparent, if any): see requestSpanMiddleware.
  const traceparent = traceparentOf(req);
  const principal = principalOf(req);
  return { actor: `user:${principal.sub}`, principal: { sub: principal.sub, groups: principal.groups }, dryRun, ...(traceparent ? { traceparent } : {}) };
}
