import type { FieldCause } from '@kastra/api';
import { ValidationError } from '../language-model/validation-error';
import { KastraApiError, NotFoundError, RunFailedError } from './kastra-errors';

/** A Kubernetes `Status` as the gateway answers errors (plus a run's fields on RunFailed). */
export interface KubernetesStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: FieldCause[] };
  run?: string;
  phase?: string;
  error?: { type: string; message: string; stepId?: string };
}

/**
 * The typed error of a gateway answer: 422 Invalid → ValidationError (its causes), 404 →
 * NotFoundError, 422 RunFailed / 409 on a cancelled run → RunFailedError; the rest KastraApiError.
 * `resource` says what was asked for, for a 404 whose Status names only the plural.
 */
export function errorFromStatus(status: KubernetesStatus, httpStatus: number, resource?: { kind: string; namespace: string; name: string }): Error {
  const code = status.code ?? httpStatus;
  const message = status.message ?? `the gateway answered ${httpStatus}`;
  if (status.run && status.phase && (status.reason === 'RunFailed' || status.phase === 'Cancelled')) {
    return new RunFailedError(status.run, status.phase, status.error?.stepId, { type: status.error?.type ?? status.reason ?? 'RunFailed', message: status.error?.message ?? message });
  }
  if (code === 422 && status.reason === 'Invalid') {
    return new ValidationError(status.details?.kind ?? '', status.details?.name ?? resource?.name ?? '', status.details?.causes ?? []);
  }
  if (code === 404 && resource) return new NotFoundError(resource.kind, resource.namespace, resource.name, message);
  return new KastraApiError(message, code, status.reason ?? 'Unknown');
}
