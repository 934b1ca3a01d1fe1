/**
 * The events of a run's stream `run:<namespace>:<name>:<uid>`. The stream is the run: status is
 * a projection of it (a durable host keeps it in the log, an embedded one in memory), and an executor that picks a run up (after a crash) folds it to know what
 * is done (never redone), what was in flight (redone with the same idempotency key) and what is next.
 */
export const RUN_EVENT_TYPES = [
  'RunStarted',
  'StepScheduled',
  'StepStarted',
  'StepInterrupted',
  'StepItemSucceeded',
  'StepSucceeded',
  'StepRetrying',
  'StepFailed',
  'RunSuspended',
  'ResumeRejected',
  'RunResumed',
  'RunSucceeded',
  'RunFailed',
  'RunCancelled',
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

export interface StepError {
  /** e.g. Timeout, ToolExecutionError, LoopLimitExceeded, ChildRunFailed. */
  type: string;
  message: string;
}

export interface RunStartedData {
  workflow: { namespace: string; name: string; uid?: string };
  /** The Workflow spec as it was when the run started: a run never changes course mid-way. */
  workflowSpec: Record<string, unknown>;
  input: unknown;
  /**
   * The principal the run acts as (`user:<sub>` who created it; a child run: its parent's): its
   * model calls are limited and billed to it. Absent in runs recorded before it was kept.
   */
  createdBy?: string;
}
export interface StepScheduledData {
  stepId: string;
  /** How many times this step has been scheduled in this run (graph cycles revisit steps). */
  visit: number;
  idempotencyKey: string;
  input: unknown;
}
export interface StepStartedData {
  stepId: string;
  visit: number;
  attempt: number;
  replica: string;
  /**
   * Started with no other step in flight on its replica, because an earlier start ended without a
   * result: if the process dies now, this step is what ended it.
   */
  isolated?: boolean;
}
/** The replica shut down while the attempt ran: it runs again, and this start is not a crash. */
export interface StepInterruptedData {
  stepId: string;
  visit: number;
  attempt: number;
  replica: string;
}
export interface StepItemSucceededData {
  stepId: string;
  visit: number;
  /** Parallel branch id, foreach index or loop iteration: finished work a re-run skips. */
  item: string;
  output: unknown;
}
export interface StepSucceededData {
  stepId: string;
  visit: number;
  output: unknown;
}
export interface StepRetryingData {
  stepId: string;
  visit: number;
  attempt: number;
  error: StepError;
  retryAt: string;
}
export interface StepFailedData {
  stepId: string;
  visit: number;
  attempt: number;
  error: StepError;
}
export interface RunSuspendedData {
  stepId: string;
  message?: string;
  resumeSchema?: Record<string, unknown>;
}
export interface ResumeRejectedData {
  stepId: string;
  payload: unknown;
  error: StepError;
}
export interface RunResumedData {
  stepId: string;
  payload: unknown;
}
export interface RunSucceededData {
  output: unknown;
}
export interface RunFailedData {
  stepId?: string;
  error: StepError;
}
export interface RunCancelledData {
  reason: string;
}

export type RunEvent =
  | { type: 'RunStarted'; data: RunStartedData }
  | { type: 'StepScheduled'; data: StepScheduledData }
  | { type: 'StepStarted'; data: StepStartedData }
  | { type: 'StepInterrupted'; data: StepInterruptedData }
  | { type: 'StepItemSucceeded'; data: StepItemSucceededData }
  | { type: 'StepSucceeded'; data: StepSucceededData }
  | { type: 'StepRetrying'; data: StepRetryingData }
  | { type: 'StepFailed'; data: StepFailedData }
  | { type: 'RunSuspended'; data: RunSuspendedData }
  | { type: 'ResumeRejected'; data: ResumeRejectedData }
  | { type: 'RunResumed'; data: RunResumedData }
  | { type: 'RunSucceeded'; data: RunSucceededData }
  | { type: 'RunFailed'; data: RunFailedData }
  | { type: 'RunCancelled'; data: RunCancelledData };

/** A run event with the time it was recorded (from the log). */
export type TimedRunEvent = RunEvent & { at: string };

/** `<run uid>:<step id>` — shared by every attempt; a revisited step (graph cycle) adds its visit. */
export function stepIdempotencyKey(runUid: string, stepId: string, visit: number): string {
  return visit === 1 ? `${runUid}:${stepId}` : `${runUid}:${stepId}:${visit}`;
}
