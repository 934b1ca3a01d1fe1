import type { NextFunction, Response } from 'express';
import { type JwtAuthority, principalFromAuthorizationHeader } from '@kastra/auth';
import type { RbacAuthorizer } from '@kastra/rbac';
import { toKubernetesStatus } from '../errors/api-error-status';
import type { AuthenticatedRequest } from './request-principal';
import { requestAttributesOf } from './request-info';

/** Probes and scrapes that must work without a token (service-host serves them). */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Authenticates a request (401 without a valid bearer token) and authorizes what its method and
 * path ask through RBAC (the apiserver's 403), before any work — and, as a middleware, before its
 * body is read. Sets `req.principal` and `req.attributes`.
 */
export function authorizeRequest(req: AuthenticatedRequest, authority: JwtAuthority, authorizer: RbacAuthorizer): void {
  if (req.authorized || PUBLIC_PATHS.has(req.path)) return;
  const principal = principalFromAuthorizationHeader(req.headers.authorization, authority);
  const attributes = requestAttributesOf(req.method, req.path, new URL(req.originalUrl ?? req.url, 'http://gateway').searchParams);
  req.principal = principal;
  req.attributes = attributes;
  authorizer.assertAllowed(principal, attributes);
  req.authorized = true;
}

/** The same check as express middleware, placed before the body reader: a refused request's body is never read. */
export function requestAuthorizationMiddleware(authority: JwtAuthority, authorizer: RbacAuthorizer) {
  return (req: AuthenticatedRequest, res: Response, next: NextFunction): void => {
    try {
      authorizeRequest(req, authority, authorizer);
    } catch (error) {
      const status = toKubernetesStatus(error);
      // The body is not read: close the connection rather than leave it unread on a kept-alive socket.
      if (req.method !== 'GET' && req.method !== 'HEAD') res.setHeader('Connection', 'close');
      res.status(status.code).type('application/json').send(JSON.stringify(status));
      req.resume();
      return;
    }
    next();
  };
}
