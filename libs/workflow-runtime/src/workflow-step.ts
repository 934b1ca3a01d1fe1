import { asArray, asRecord } from './records';

/** A Workflow step as the executor reads it (the schema in @kastra/api has validated the shape). */
export interface WorkflowStep {
  id: string;
  agent?: unknown;
  tool?: unknown;
  workflow?: unknown;
  parallel?: ParallelBranch[];
  suspend?: { message?: string; resumeSchema?: Record<string, unknown> };
  foreach?: { items: string; concurrency?: number };
  loop?: { until: string; maxIterations: number };
  input?: Record<string, unknown>;
  output?: { type?: string; [key: string]: unknown };
  next?: string;
  branches?: { condition: string; next: string }[];
  retry?: { maxAttempts?: number; initialIntervalMs?: number; backoffCoefficient?: number; maxIntervalMs?: number };
  timeout?: string;
}

export interface ParallelBranch {
  id: string;
  agent?: unknown;
  tool?: unknown;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
}

export function workflowSteps(spec: Record<string, unknown> | undefined): WorkflowStep[] {
  return asArray(spec?.steps)
    .map((value) => asRecord(value))
    .filter((step): step is Record<string, unknown> => step !== undefined && typeof step.id === 'string') as unknown as WorkflowStep[];
}

export function findStep(spec: Record<string, unknown> | undefined, stepId: string): WorkflowStep | undefined {
  return workflowSteps(spec).find((step) => step.id === stepId);
}

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `1h` → milliseconds; undefined when absent or malformed. */
export function parseDuration(text: string | undefined): number | undefined {
  const match = text ? DURATION.exec(text) : null;
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

/** Attempts in total (first included). */
export function maxAttemptsOf(step: WorkflowStep): number {
  return Math.max(1, step.retry?.maxAttempts ?? 1);
}

/** Wait before attempt `attempt + 1`, after attempt `attempt` failed. */
export function retryDelayMs(step: WorkflowStep, attempt: number): number {
  const initial = step.retry?.initialIntervalMs ?? 1000;
  const coefficient = step.retry?.backoffCoefficient ?? 2;
  const max = step.retry?.maxIntervalMs ?? 60_000;
  return Math.min(max, Math.round(initial * coefficient ** (attempt - 1)));
}
