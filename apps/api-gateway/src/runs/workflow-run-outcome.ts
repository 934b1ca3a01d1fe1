import type { Resource } from '@kastra/api';
import { runFailureStatus, type RunFailureStatus } from './run-failure-status';

export type { RunFailureStatus } from './run-failure-status';

/** How a synchronous execute ends (see docs/workflows.md, "Running a workflow synchronously"). */
export interface ExecuteAnswer {
  run: string;
  phase: string;
  output?: unknown;
  error?: { type: string; message: string; stepId?: string };
  /** Set when the run waits for human approval: the step and its message. */
  suspended?: { stepId: string; message?: string };
}

export type ExecuteOutcome = { code: number; body: ExecuteAnswer | RunFailureStatus };

const TERMINAL = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** True when the run will not change without someone acting (ended, or suspended). */
export function isSettled(run: Resource): boolean {
  const phase = phaseOf(run);
  return TERMINAL.has(phase) || phase === 'Suspended';
}

export function phaseOf(run: Resource): string {
  return typeof run.status?.phase === 'string' ? run.status.phase : 'Pending';
}

/**
 * The HTTP answer for a settled run: 200 with the output when it succeeded; 202 when it is
 * suspended (resume it, then follow it); 422 `RunFailed` when a step failed (the request was
 * understood and executed, the workflow could not produce an output — not a server fault, so no
 * 5xx that clients would blindly retry); 409 `Conflict` when it was cancelled.
 */
export function outcomeOf(run: Resource): ExecuteOutcome {
  const name = run.metadata.name;
  const phase = phaseOf(run);
  const error = run.status?.error as ExecuteAnswer['error'] | undefined;
  if (phase === 'Succeeded') return { code: 200, body: { run: name, phase, output: run.status?.output } };
  if (phase === 'Suspended') {
    const steps = (run.status?.steps ?? {}) as Record<string, { state?: string; message?: string }>;
    const [stepId, step] = Object.entries(steps).find(([, s]) => s.state === 'Suspended') ?? ['', {}];
    return { code: 202, body: { run: name, phase, suspended: { stepId, ...(step.message ? { message: step.message } : {}) } } };
  }
  if (phase === 'Cancelled') return { code: 409, body: failure(name, phase, 409, 'Conflict', `workflow run ${name} was cancelled`, error) };
  const where = error?.stepId ? `step ${error.stepId} failed` : 'the run failed';
  return { code: 422, body: failure(name, phase, 422, 'RunFailed', `workflow run ${name}: ${where}: ${error?.type ?? 'Error'}: ${error?.message ?? 'no detail'}`, error) };
}

/** 504 `Timeout`: the run goes on; the caller can follow it by name. */
export function timeoutOutcome(run: Resource, seconds: number): ExecuteOutcome {
  const name = run.metadata.name;
  return { code: 504, body: failure(name, phaseOf(run), 504, 'Timeout', `workflow run ${name} did not finish within ${seconds}s; it is still ${phaseOf(run)} (follow it with kastra logs run ${name} -f)`) };
}

function failure(name: string, phase: string, code: number, reason: RunFailureStatus['reason'], message: string, error?: ExecuteAnswer['error']): RunFailureStatus {
  const causes = error ? [{ reason: error.type, field: error.stepId ? `status.steps.${error.stepId}` : 'status.error', message: error.message }] : undefined;
  return runFailureStatus({ plural: 'workflowruns', run: name, phase, code, reason, message, causes, error });
}
