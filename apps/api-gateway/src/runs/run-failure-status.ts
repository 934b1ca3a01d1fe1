import type { FieldCause } from '@kastra/api';

/**
 * A Status-shaped failure body of a synchronous run call (workflow execute, network generate)
 * that also names the run and its phase, so the caller can follow or inspect it.
 */
export interface RunFailureStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: 'RunFailed' | 'Conflict' | 'Timeout';
  details: { name: string; group: 'mastra.ai'; kind: string; causes?: FieldCause[] };
  code: number;
  run: string;
  phase: string;
  /** The run's `status.error`. */
  error?: unknown;
  [extra: string]: unknown;
}

export interface RunFailure {
  /** The run's plural (`workflowruns`, `networkruns`). */
  plural: string;
  run: string;
  phase: string;
  code: number;
  reason: RunFailureStatus['reason'];
  message: string;
  causes?: FieldCause[];
  error?: unknown;
  /** More fields of the answer (a network run's route). */
  extra?: Record<string, unknown>;
}

export function runFailureStatus(failure: RunFailure): RunFailureStatus {
  const { plural, run, phase, code, reason, message, causes, error, extra } = failure;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: { name: run, group: 'mastra.ai', kind: plural, ...(causes ? { causes } : {}) },
    code,
    run,
    phase,
    ...(error !== undefined ? { error } : {}),
    ...extra,
  };
}
