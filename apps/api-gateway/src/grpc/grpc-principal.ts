import type { Metadata } from '@grpc/grpc-js';
import { ForbiddenError } from '@kastra/api';
import { type JwtAuthority, type Principal, principalFromAuthorizationHeader, SYSTEM_MASTERS } from '@kastra/auth';

/**
 * The caller of a gRPC call, from the `authorization: Bearer <jwt>` metadata entry (the same
 * token as the REST API's). Throws UnauthorizedError when it is missing or invalid.
 */
export function principalFromMetadata(metadata: Metadata, authority: JwtAuthority): Principal {
  const values = metadata.get('authorization').map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
  return principalFromAuthorizationHeader(values.length === 0 ? undefined : values, authority);
}

/** Kinds only admins may read or write: their values are credentials. */
const ADMIN_ONLY_KINDS = new Set(['Secret']);

/** Throws ForbiddenError when `principal` may not touch resources of `kind` (a canonical kind name). */
export function authorizeKind(principal: Principal, kind: string, verb: string): void {
  if (!principal.groups.includes(SYSTEM_MASTERS) && ADMIN_ONLY_KINDS.has(kind)) {
    throw new ForbiddenError(`user "${principal.sub}" cannot ${verb} ${kind} resources: admin only`);
  }
}
