import type { FieldCause } from '@kastra/api';

/** A resource a spec refers to that does not exist (or is not Ready), and where the spec names it. */
export interface MissingReference {
  kind: string;
  namespace: string;
  name: string;
  /** The field of the referring spec, e.g. `spec.model.ref`. */
  field: string;
  /** `NotFound`: it does not exist; `NotReady`: it exists but is not Ready. */
  problem: 'NotFound' | 'NotReady';
}

/** The API server's answer for errors without a class of their own (403, 409 Conflict, 5xx…). */
export class KastraApiError extends Error {
  override readonly name: string = 'KastraApiError';
  constructor(
    message: string,
    /** HTTP status of the answer (embedded mode: the status the gateway would have answered). */
    readonly code: number,
    /** The Status reason, e.g. `Forbidden`, `Conflict`, `Timeout`. */
    readonly reason: string,
  ) {
    super(message);
  }
}

/** The resource does not exist (HTTP 404 NotFound). */
export class NotFoundError extends KastraApiError {
  override readonly name = 'NotFoundError';
  constructor(
    readonly kind: string,
    readonly namespace: string,
    readonly resourceName: string,
    message = `${kind} "${namespace}.${resourceName}" not found`,
  ) {
    super(message, 404, 'NotFound');
  }
}

/**
 * The resource exists but cannot be used yet: it is not Ready (HTTP 409). `missing` names the
 * references that keep it so — the LLM, Tool, Agent or Workflow to create or fix — and `conditionReason`
 * / `message` are its Ready condition's.
 */
export class NotReadyError extends KastraApiError {
  override readonly name = 'NotReadyError';
  constructor(
    readonly kind: string,
    readonly namespace: string,
    readonly resourceName: string,
    readonly missing: MissingReference[],
    readonly conditionReason: string,
    detail: string,
  ) {
    super(`${kind} "${namespace}.${resourceName}" is not Ready (${conditionReason}: ${detail})`, 409, 'NotReady');
  }
}

/** A run ended Failed or Cancelled: the step that failed and its error. */
export class RunFailedError extends KastraApiError {
  override readonly name = 'RunFailedError';
  constructor(
    /** The run's name (a WorkflowRun or NetworkRun). */
    readonly run: string,
    /** `Failed` or `Cancelled`. */
    readonly phase: string,
    /** The step that failed, when a step did. */
    readonly stepId: string | undefined,
    /** The step's (or run's) error: `type` such as Timeout, ToolExecutionError, LoopLimitExceeded. */
    readonly error: { type: string; message: string },
  ) {
    super(`run ${run} ${phase.toLowerCase()}${stepId ? ` at step ${stepId}` : ''}: ${error.type}: ${error.message}`, phase === 'Cancelled' ? 409 : 422, 'RunFailed');
  }
}

/** A manifest file or string that is not YAML (or JSON) a manifest can be read from. */
export class ManifestSyntaxError extends KastraApiError {
  override readonly name = 'ManifestSyntaxError';
  constructor(
    message: string,
    /** The file, when the manifest came from one. */
    readonly source?: string,
  ) {
    super(source ? `${source}: ${message}` : message, 400, 'BadRequest');
  }
}

export type { FieldCause };
