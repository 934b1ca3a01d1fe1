import { status as GrpcStatus } from '@grpc/grpc-js';
import { ApiError, type StatusReason } from '@kastra/api';

/** A Kubernetes `Status` object (kind Status, apiVersion v1). */
export interface KubernetesStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  details?: ApiError['details'];
  code: number;
}

/** The one place an error becomes an HTTP answer. Unknown errors are 500 with no internals. */
export function toKubernetesStatus(error: unknown): KubernetesStatus {
  if (error instanceof ApiError) {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: error.message,
      reason: error.reason,
      ...(error.details ? { details: error.details } : {}),
      code: error.httpStatus,
    };
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Internal error', reason: 'InternalError', code: 500 };
}

const GRPC_CODES: Record<StatusReason, GrpcStatus> = {
  NotFound: GrpcStatus.NOT_FOUND,
  AlreadyExists: GrpcStatus.ALREADY_EXISTS,
  Conflict: GrpcStatus.ABORTED,
  Invalid: GrpcStatus.INVALID_ARGUMENT,
  BadRequest: GrpcStatus.INVALID_ARGUMENT,
  Unauthorized: GrpcStatus.UNAUTHENTICATED,
  Forbidden: GrpcStatus.PERMISSION_DENIED,
  MethodNotAllowed: GrpcStatus.UNIMPLEMENTED,
  UnsupportedMediaType: GrpcStatus.INVALID_ARGUMENT,
  RequestEntityTooLarge: GrpcStatus.RESOURCE_EXHAUSTED,
  NotAcceptable: GrpcStatus.INVALID_ARGUMENT,
  InternalError: GrpcStatus.INTERNAL,
  Expired: GrpcStatus.OUT_OF_RANGE,
};

/** The one place an error becomes a gRPC status (same message; causes in the JSON details). */
export function toGrpcStatus(error: unknown): { code: GrpcStatus; details: string } {
  const status = toKubernetesStatus(error);
  return { code: GRPC_CODES[status.reason], details: status.message };
}

