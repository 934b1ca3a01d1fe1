import { type JwtAuthority, principalFromAuthorizationHeader } from '@kastra/auth';
import type { RbacAuthorizer } from '@kastra/rbac';
import type { AuthenticatedRequest } from './request-principal';
import { requestAttributesOf } from './request-info';

/** Probes and scrapes that must work without a token (service-host serves them). */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Authenticates a request (401 without a valid bearer token) and authorizes what its method and
 * path ask through RBAC (the apiserver's 403), before any work: the global guard calls it, and
 * bodies are read after the guards. Sets `req.principal` and `req.attributes`.
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
