import { setCondition, type Condition, type ResourceStatus } from '@kastra/api';
import type { RunState } from './run-state';

export interface StepStatus {
  state: string;
  attempts: number;
  visit?: number;
  idempotencyKey: string;
  startedAt?: string;
  finishedAt?: string;
  retryAt?: string;
  output?: unknown;
  error?: { type: string; message: string };
  message?: string;
}

/**
 * The WorkflowRun status: a projection of the run's stream (the same stream always gives the same
 * status, so writing it again after a crash is harmless). Each step shows its latest visit.
 */
export function runStatus(state: RunState, previous?: readonly Condition[]): ResourceStatus {
  const steps: Record<string, StepStatus> = {};
  for (const step of state.activations) {
    const entry: StepStatus = { state: step.state, attempts: step.attempts, idempotencyKey: step.idempotencyKey };
    if (step.visit > 1) entry.visit = step.visit;
    if (step.startedAt) entry.startedAt = step.startedAt;
    if (step.finishedAt) entry.finishedAt = step.finishedAt;
    if (step.retryAt && step.state === 'Retrying') entry.retryAt = step.retryAt;
    if (step.state === 'Succeeded') entry.output = step.output;
    if (step.error && step.state !== 'Succeeded') entry.error = step.error;
    if (step.state === 'Suspended' && step.resumeMessage) entry.message = step.resumeMessage;
    steps[step.stepId] = entry;
  }
  const status: ResourceStatus = { phase: state.phase, steps };
  if (state.workflow) status.workflow = `${state.workflow.namespace}.${state.workflow.name}`;
  if (state.startedAt) status.startedAt = state.startedAt;
  if (state.finishedAt) status.finishedAt = state.finishedAt;
  if (state.phase === 'Succeeded') status.output = state.output;
  if (state.error) status.error = state.error;
  const succeeded = succeededCondition(state);
  if (succeeded) status.conditions = setCondition(previous, { ...succeeded, lastTransitionTime: state.finishedAt });
  return status;
}

function succeededCondition(state: RunState): Omit<Condition, 'lastTransitionTime'> | undefined {
  switch (state.phase) {
    case 'Succeeded':
      return { type: 'Succeeded', status: 'True', reason: 'RunSucceeded', message: 'every step finished' };
    case 'Failed':
      return {
        type: 'Succeeded',
        status: 'False',
        reason: state.error?.type ?? 'RunFailed',
        message: `${state.error?.stepId ? `step ${state.error.stepId}: ` : ''}${state.error?.message ?? 'the run failed'}`,
      };
    case 'Cancelled':
      return { type: 'Succeeded', status: 'False', reason: 'Cancelled', message: state.error?.message ?? 'the run was cancelled' };
    default:
      return undefined;
  }
}
