/**
 * Typed errors of the resource API. One place (the gateway's exception filter and the gRPC
 * service) maps them to HTTP / gRPC status codes and Kubernetes `Status` objects.
 * Messages never contain secret values.
 */
import { findKindByName, findKindByPlural } from './kind-registry';

/** The API group of a kind named by its plural or kind name (mastra.ai when unknown). */
function groupOf(name: string): string {
  return (findKindByPlural(name) ?? findKindByName(name))?.group ?? 'mastra.ai';
}

/** `llms.mastra.ai`, `clusterroles.rbac.authorization.k8s.io`: a resource qualified by its group, as Kubernetes names it. */
export function qualifiedResource(name: string): string {
  const group = groupOf(name);
  return group === '' ? name : `${name}.${group}`;
}

/** One invalid field, as in a Kubernetes `Status.details.causes[]` entry. */
export interface FieldCause {
  /** e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueTypeInvalid */
  reason: string;
  /** Dotted path such as `spec.model.provider` or `spec.steps[2].next`. */
  field: string;
  message: string;
}

/** Kubernetes StatusReason values used by Kastra. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'NotAcceptable'
  | 'InternalError'
  | 'Expired';

export abstract class ApiError extends Error {
  abstract readonly httpStatus: number;
  abstract readonly reason: StatusReason;
  readonly details?: { name?: string; group?: string; kind?: string; causes?: FieldCause[] };
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  readonly httpStatus = 404;
  readonly reason = 'NotFound' as const;
  constructor(readonly kindPlural: string, readonly resourceName: string, message?: string) {
    super(message ?? `${qualifiedResource(kindPlural)} "${resourceName}" not found`);
    (this as { details?: ApiError['details'] }).details = { name: resourceName, group: groupOf(kindPlural), kind: kindPlural };
  }
}

export class AlreadyExistsError extends ApiError {
  override readonly name = 'AlreadyExistsError';
  readonly httpStatus = 409;
  readonly reason = 'AlreadyExists' as const;
  constructor(readonly kindPlural: string, readonly resourceName: string) {
    super(`${qualifiedResource(kindPlural)} "${resourceName}" already exists`);
    (this as { details?: ApiError['details'] }).details = { name: resourceName, group: groupOf(kindPlural), kind: kindPlural };
  }
}

/** A write based on a stale resourceVersion (optimistic concurrency). */
export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  readonly httpStatus = 409;
  readonly reason = 'Conflict' as const;
  constructor(readonly kindPlural: string, readonly resourceName: string, detail?: string) {
    super(
      `Operation cannot be fulfilled on ${qualifiedResource(kindPlural)} "${resourceName}": ${
        detail ?? 'the object has been modified; please apply your changes to the latest version and try again'
      }`,
    );
    (this as { details?: ApiError['details'] }).details = { name: resourceName, group: groupOf(kindPlural), kind: kindPlural };
  }
}

/** A manifest that fails validation: 422 with the field paths. */
export class InvalidError extends ApiError {
  override readonly name = 'InvalidError';
  readonly httpStatus = 422;
  readonly reason = 'Invalid' as const;
  constructor(readonly kindName: string, readonly resourceName: string, readonly causes: FieldCause[]) {
    super(
      `${qualifiedResource(kindName)} "${resourceName}" is invalid: ${causes
        .map((c) => `${c.field}: ${c.message}`)
        .join(', ')}`,
    );
    (this as { details?: ApiError['details'] }).details = { name: resourceName, group: groupOf(kindName), kind: kindName, causes };
  }
}

export class BadRequestError extends ApiError {
  override readonly name = 'BadRequestError';
  readonly httpStatus = 400;
  readonly reason = 'BadRequest' as const;
}

export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
  readonly httpStatus = 401;
  readonly reason = 'Unauthorized' as const;
}

export class ForbiddenError extends ApiError {
  override readonly name = 'ForbiddenError';
  readonly httpStatus = 403;
  readonly reason = 'Forbidden' as const;
  constructor(message: string, details?: { name?: string; group?: string; kind?: string }) {
    super(message);
    if (details) (this as { details?: ApiError['details'] }).details = details;
  }
}

export class MethodNotAllowedError extends ApiError {
  override readonly name = 'MethodNotAllowedError';
  readonly httpStatus = 405;
  readonly reason = 'MethodNotAllowed' as const;
}

export class UnsupportedMediaTypeError extends ApiError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly httpStatus = 415;
  readonly reason = 'UnsupportedMediaType' as const;
}

export class RequestEntityTooLargeError extends ApiError {
  override readonly name = 'RequestEntityTooLargeError';
  readonly httpStatus = 413;
  readonly reason = 'RequestEntityTooLarge' as const;
}

/** A watch asked to resume from a resourceVersion older than the log keeps. */
export class ExpiredError extends ApiError {
  override readonly name = 'ExpiredError';
  readonly httpStatus = 410;
  readonly reason = 'Expired' as const;
}
