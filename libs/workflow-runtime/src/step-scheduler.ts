import Ajv from 'ajv';
import { evaluateStepCondition, stepTransitions, initialStepOf, WORKFLOW_END } from '@kastra/api';
import { InputMappingError, resolveInput, runContext } from './input-mapping';
import type { RunEvent, StepError } from './run-events';
import { stepIdempotencyKey } from './run-events';
import { current, isTerminal, type RunState, type StepActivation } from './run-state';
import { findStep, maxAttemptsOf, retryDelayMs, workflowSteps, type WorkflowStep } from './workflow-step';

/** A graph cycle revisiting one step more often than this fails the run (a runaway loop). */
export const MAX_STEP_VISITS = 100;

/** A step whose attempts ended their executor this many times in a row fails the run (ExecutorCrashed). */
export const DEFAULT_MAX_CRASHES = 3;

/** Limits of the executor that decisions depend on. */
export interface SchedulerLimits {
  /** See DEFAULT_MAX_CRASHES; at least 1. */
  maxCrashes: number;
}

/** What the WorkflowRun resource asks of the run, besides its input. */
export interface RunControl {
  cancel?: boolean;
  resume?: Record<string, unknown>;
}

/**
 * The next thing to do with a run, decided from its folded stream and its resource alone.
 * `events` decisions are appended as they are; `execute` runs one attempt of the current step;
 * `wait` comes back at `untilMs`; `idle` waits for the resource to change (resume, cancel).
 */
export type Decision =
  | { kind: 'events'; events: RunEvent[] }
  | {
      kind: 'execute';
      activation: StepActivation;
      step: WorkflowStep;
      attempt: number;
      /** An earlier start ended with no result: run it with no other step in flight on the replica. */
      isolated?: boolean;
    }
  | { kind: 'wait'; untilMs: number }
  | { kind: 'idle' }
  | { kind: 'done' };

const ajv = new Ajv({ allErrors: true, strict: false });

export function decide(state: RunState, control: RunControl, runUid: string, nowMs: number, limits: SchedulerLimits = { maxCrashes: DEFAULT_MAX_CRASHES }): Decision {
  if (isTerminal(state)) return { kind: 'done' };
  if (control.cancel) return events({ type: 'RunCancelled', data: { reason: 'spec.cancel was set' } });
  if (state.phase === 'Pending') return { kind: 'idle' }; // the executor appends RunStarted itself
  const step = current(state);
  if (!step) return scheduleStep(state, initialStepOf(state.workflowSpec), runUid);
  const definition = findStep(state.workflowSpec, step.stepId);
  if (!definition) return failRun(step.stepId, { type: 'UnknownStep', message: `step "${step.stepId}" is not in the workflow` });
  switch (step.state) {
    case 'Scheduled':
      return { kind: 'execute', activation: step, step: definition, attempt: 1 };
    case 'Running':
      return rerunInFlight(step, definition, limits);
    case 'Retrying': {
      const at = Date.parse(step.retryAt ?? '');
      if (Number.isFinite(at) && at > nowMs) return { kind: 'wait', untilMs: at };
      return { kind: 'execute', activation: step, step: definition, attempt: step.attempts + 1 };
    }
    case 'Suspended':
      return resumeDecision(step, control);
    case 'Failed':
      return failRun(step.stepId, step.error ?? { type: 'StepFailed', message: 'step failed' });
    case 'Succeeded':
      return afterSuccess(state, step, definition, runUid);
    case 'Cancelled':
      return { kind: 'done' };
  }
}

/**
 * The step was in flight when its executor stopped: run the same attempt again, same key — unless
 * its starts keep ending with no result, which means it takes its executor down with it.
 */
function rerunInFlight(step: StepActivation, definition: WorkflowStep, limits: SchedulerLimits): Decision {
  const attempt = Math.max(1, step.attempts);
  // A nested workflow step stays started while its child runs: being woken again is no crash.
  if (definition.workflow !== undefined) return { kind: 'execute', activation: step, step: definition, attempt };
  const crashes = step.crashes + (step.inFlight ? 1 : 0);
  if (crashes >= Math.max(1, limits.maxCrashes)) {
    const message =
      `step "${step.stepId}" (attempt ${attempt}) was started ${crashes} times in a row and never recorded an end: ` +
      `its executor process ended, or lost the run, each time (last on replica ${step.replica ?? 'unknown'})`;
    return events({ type: 'StepFailed', data: { stepId: step.stepId, visit: step.visit, attempt, error: { type: 'ExecutorCrashed', message } } });
  }
  return { kind: 'execute', activation: step, step: definition, attempt, isolated: crashes > 0 };
}

function events(...list: RunEvent[]): Decision {
  return { kind: 'events', events: list };
}

function failRun(stepId: string | undefined, error: StepError): Decision {
  return events({ type: 'RunFailed', data: { stepId, error } });
}

function scheduleStep(state: RunState, stepId: string | undefined, runUid: string): Decision {
  if (stepId === undefined || !findStep(state.workflowSpec, stepId)) {
    return failRun(stepId, { type: 'UnknownStep', message: `step "${stepId ?? ''}" is not in the workflow` });
  }
  const visit = state.activations.filter((step) => step.stepId === stepId).length + 1;
  if (visit > MAX_STEP_VISITS) {
    return failRun(stepId, { type: 'LoopLimitExceeded', message: `step "${stepId}" was visited ${MAX_STEP_VISITS} times` });
  }
  let input: unknown;
  try {
    input = resolveInput(findStep(state.workflowSpec, stepId)?.input, state);
  } catch (error) {
    if (!(error instanceof InputMappingError)) throw error;
    return failRun(stepId, { type: 'InputMappingError', message: error.message });
  }
  return events({ type: 'StepScheduled', data: { stepId, visit, idempotencyKey: stepIdempotencyKey(runUid, stepId, visit), input } });
}

/** Branches in order (first that holds), else next / the following step / END — as the graph validator reads it. */
function afterSuccess(state: RunState, step: StepActivation, definition: WorkflowStep, runUid: string): Decision {
  const index = workflowSteps(state.workflowSpec).findIndex((candidate) => candidate.id === definition.id);
  const context = { ...runContext(state), input: step.input, output: step.output, runInput: state.input };
  let target: string | undefined;
  for (const transition of stepTransitions(state.workflowSpec, index)) {
    if (transition.condition === undefined || evaluateStepCondition(transition.condition, context)) {
      target = transition.target;
      break;
    }
  }
  if (target === undefined || target === WORKFLOW_END) return events({ type: 'RunSucceeded', data: { output: step.output } });
  return scheduleStep(state, target, runUid);
}

function resumeDecision(step: StepActivation, control: RunControl): Decision {
  const payload = control.resume?.[step.stepId];
  if (payload === undefined) return { kind: 'idle' };
  const problem = resumeProblem(step.resumeSchema, payload);
  if (problem === undefined) {
    return events(
      { type: 'RunResumed', data: { stepId: step.stepId, payload } },
      { type: 'StepSucceeded', data: { stepId: step.stepId, visit: step.visit, output: payload } },
    );
  }
  if (step.rejectedPayload === JSON.stringify(payload)) return { kind: 'idle' };
  return events({ type: 'ResumeRejected', data: { stepId: step.stepId, payload, error: { type: 'InvalidResumePayload', message: problem } } });
}

/** Why a resume payload does not match the step's resumeSchema (undefined when it does). */
export function resumeProblem(schema: Record<string, unknown> | undefined, payload: unknown): string | undefined {
  if (!schema) return undefined;
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    return `resumeSchema is not a valid JSON Schema: ${(error as Error).message}`;
  }
  if (validate(payload)) return undefined;
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`).join('; ');
}

/** The outcome of one attempt of a step. */
export type AttemptResult = { ok: true; output: unknown } | { ok: false; error: StepError; retryable: boolean };

/** The events recording an attempt's end: success, a retry with backoff, or the step's failure. */
export function afterAttempt(activation: StepActivation, step: WorkflowStep, attempt: number, result: AttemptResult, nowMs: number): RunEvent[] {
  const { stepId, visit } = activation;
  if (result.ok) return [{ type: 'StepSucceeded', data: { stepId, visit, output: result.output } }];
  if (result.retryable && attempt < maxAttemptsOf(step)) {
    const retryAt = new Date(nowMs + retryDelayMs(step, attempt)).toISOString();
    return [{ type: 'StepRetrying', data: { stepId, visit, attempt, error: result.error, retryAt } }];
  }
  return [{ type: 'StepFailed', data: { stepId, visit, attempt, error: result.error } }];
}
