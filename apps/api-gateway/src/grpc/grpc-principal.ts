import type { Metadata } from '@grpc/grpc-js';
import { type JwtAuthority, type Principal, principalFromAuthorizationHeader } from '@kastra/auth';

/**
 * The caller of a gRPC call, from the `authorization: Bearer <jwt>` metadata entry (the same
 * token as the REST API's). Throws UnauthorizedError when it is missing or invalid.
 */
export function principalFromMetadata(metadata: Metadata, authority: JwtAuthority): Principal {
  const values = metadata.get('authorization').map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
  return principalFromAuthorizationHeader(values.length === 0 ? undefined : values, authority);
}
