import type { ResourceKey } from '@kastra/api';
import type { ResourceSource } from '@kastra/run-engine';

/** What one call of an agent or tool gets besides its input. */
export interface CallContext {
  signal: AbortSignal;
  /** `<run uid>:<step id>` (plus `:<item>` for parallel branches, foreach items, loop iterations). */
  idempotencyKey: string;
  run: ResourceKey & { uid: string };
  stepId: string;
  attempt: number;
  /**
   * The principal the run acts as (`user:<sub>` who created it): model calls are limited and
   * billed to it. Undefined for runs recorded before it was kept.
   */
  actingAs?: string;
  /** Where the Agent and Tool resources are read from during this advance (each read once). */
  resources?: ResourceSource;
}

/**
 * Calls the agents and tools of steps. The workflow-executor's default is the agent runtime
 * (runAgent / executeTool over the llm-proxy); tests can pass their own.
 */
export interface StepInvoker {
  callAgent(agent: ResourceKey, input: unknown, ctx: CallContext): Promise<unknown>;
  callTool(tool: ResourceKey, input: unknown, ctx: CallContext): Promise<unknown>;
}

/** A failure that trying again cannot fix (bad input, a schema mismatch). */
export class NonRetryableStepError extends Error {
  override readonly name = 'NonRetryableStepError';
  constructor(readonly type: string, message: string) {
    super(message);
  }
}
