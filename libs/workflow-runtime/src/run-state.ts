import type { StepError, TimedRunEvent } from './run-events';

export type StepPhase = 'Scheduled' | 'Running' | 'Retrying' | 'Suspended' | 'Succeeded' | 'Failed' | 'Cancelled';
export type RunPhase = 'Pending' | 'Running' | 'Suspended' | 'Succeeded' | 'Failed' | 'Cancelled';

/** One visit of one step: what the stream says happened to it. */
export interface StepActivation {
  stepId: string;
  visit: number;
  idempotencyKey: string;
  input: unknown;
  state: StepPhase;
  /** Attempts started so far. */
  attempts: number;
  /** A start is recorded with no end after it (result, retry, interruption) — yet. */
  inFlight: boolean;
  /**
   * Starts in a row, before the one in flight, that ended with no result: their executor died or
   * lost the run. An item recorded, or any end, resets it.
   */
  crashes: number;
  /** The replica of the latest start. */
  replica?: string;
  scheduledAt: string;
  startedAt?: string;
  finishedAt?: string;
  retryAt?: string;
  output?: unknown;
  error?: StepError;
  /** Finished items (parallel branch, foreach index, loop iteration) → output. */
  items: Record<string, unknown>;
  resumeMessage?: string;
  resumeSchema?: Record<string, unknown>;
  /** JSON of the last rejected resume payload, so one bad payload is reported once. */
  rejectedPayload?: string;
}

/** A run folded from its stream. */
export interface RunState {
  phase: RunPhase;
  workflow?: { namespace: string; name: string };
  workflowSpec?: Record<string, unknown>;
  input?: unknown;
  /** Who the run acts as (RunStarted's `createdBy`). */
  createdBy?: string;
  /** Every activation in schedule order; the last one is the current step. */
  activations: StepActivation[];
  startedAt?: string;
  finishedAt?: string;
  output?: unknown;
  error?: StepError & { stepId?: string };
  /** Stream version the state was folded to (for optimistic appends). */
  version: number;
}

export const TERMINAL_PHASES: readonly RunPhase[] = ['Succeeded', 'Failed', 'Cancelled'];

export function isTerminal(state: Pick<RunState, 'phase'>): boolean {
  return TERMINAL_PHASES.includes(state.phase);
}

export function emptyRunState(): RunState {
  return { phase: 'Pending', activations: [], version: 0 };
}

/** The activation an event is about (the latest of that step and visit). */
function activation(state: RunState, stepId: string, visit: number): StepActivation | undefined {
  for (let i = state.activations.length - 1; i >= 0; i--) {
    const candidate = state.activations[i];
    if (candidate.stepId === stepId && candidate.visit === visit) return candidate;
  }
  return undefined;
}

/** Applies one event (pure apart from mutating the state it is given). */
export function applyRunEvent(state: RunState, event: TimedRunEvent): RunState {
  state.version += 1;
  switch (event.type) {
    case 'RunStarted':
      state.phase = 'Running';
      state.workflow = { namespace: event.data.workflow.namespace, name: event.data.workflow.name };
      state.workflowSpec = event.data.workflowSpec;
      state.input = event.data.input;
      state.createdBy = event.data.createdBy;
      state.startedAt = event.at;
      break;
    case 'StepScheduled':
      state.activations.push({
        stepId: event.data.stepId,
        visit: event.data.visit,
        idempotencyKey: event.data.idempotencyKey,
        input: event.data.input,
        state: 'Scheduled',
        attempts: 0,
        inFlight: false,
        crashes: 0,
        scheduledAt: event.at,
        items: {},
      });
      break;
    case 'StepStarted': {
      const step = activation(state, event.data.stepId, event.data.visit);
      if (step) {
        // The previous start never recorded an end: whatever ran it is gone.
        if (step.inFlight) step.crashes += 1;
        step.inFlight = true;
        step.replica = event.data.replica;
        step.state = 'Running';
        step.attempts = event.data.attempt;
        step.startedAt ??= event.at;
        step.retryAt = undefined;
      }
      break;
    }
    case 'StepInterrupted': {
      const step = activation(state, event.data.stepId, event.data.visit);
      if (step) step.inFlight = false;
      break;
    }
    case 'StepItemSucceeded': {
      const step = activation(state, event.data.stepId, event.data.visit);
      if (step) {
        step.items[event.data.item] = event.data.output;
        step.crashes = 0;
      }
      break;
    }
    case 'StepSucceeded': {
      const step = activation(state, event.data.stepId, event.data.visit);
      if (step) {
        step.state = 'Succeeded';
        endFlight(step);
        step.output = event.data.output;
        step.error = undefined;
        step.finishedAt = event.at;
      }
      break;
    }
    case 'StepRetrying': {
      const step = activation(state, event.data.stepId, event.data.visit);
      if (step) {
        step.state = 'Retrying';
        endFlight(step);
        step.error = event.data.error;
        step.retryAt = event.data.retryAt;
      }
      break;
    }
    case 'StepFailed': {
      const step = activation(state, event.data.stepId, event.data.visit);
      if (step) {
        step.state = 'Failed';
        endFlight(step);
        step.error = event.data.error;
        step.finishedAt = event.at;
      }
      break;
    }
    case 'RunSuspended': {
      state.phase = 'Suspended';
      const step = current(state);
      if (step && step.stepId === event.data.stepId) {
        step.state = 'Suspended';
        step.attempts = Math.max(step.attempts, 1);
        step.startedAt ??= event.at;
        step.resumeMessage = event.data.message;
        step.resumeSchema = event.data.resumeSchema;
      }
      break;
    }
    case 'ResumeRejected': {
      const step = current(state);
      if (step && step.stepId === event.data.stepId) {
        step.error = event.data.error;
        step.rejectedPayload = JSON.stringify(event.data.payload);
      }
      break;
    }
    case 'RunResumed':
      state.phase = 'Running';
      break;
    case 'RunSucceeded':
      state.phase = 'Succeeded';
      state.output = event.data.output;
      state.finishedAt = event.at;
      break;
    case 'RunFailed':
      state.phase = 'Failed';
      state.error = { ...event.data.error, stepId: event.data.stepId };
      state.finishedAt = event.at;
      break;
    case 'RunCancelled': {
      state.phase = 'Cancelled';
      state.error = { type: 'Cancelled', message: event.data.reason };
      state.finishedAt = event.at;
      const step = current(state);
      if (step && !['Succeeded', 'Failed'].includes(step.state)) {
        step.state = 'Cancelled';
        step.finishedAt = event.at;
      }
      break;
    }
  }
  return state;
}

function endFlight(step: StepActivation): void {
  step.inFlight = false;
  step.crashes = 0;
}

export function foldRunEvents(events: readonly TimedRunEvent[]): RunState {
  return events.reduce(applyRunEvent, emptyRunState());
}

/** The step the run is at (the latest scheduled). */
export function current(state: RunState): StepActivation | undefined {
  return state.activations[state.activations.length - 1];
}

/** Outputs of finished steps, by step id (a revisited step: its latest output). */
export function stepOutputs(state: RunState): Record<string, { output: unknown }> {
  const outputs: Record<string, { output: unknown }> = {};
  for (const step of state.activations) if (step.state === 'Succeeded') outputs[step.stepId] = { output: step.output };
  return outputs;
}
