import type { Resource, ResourceKey } from '@kastra/api';

/** Where a step's Agents and Tools are read from (a durable host: a per-advance cache of its store). */
export interface ResourceSource {
  get(key: ResourceKey): Promise<Resource | undefined>;
}

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
 * Calls the agents and tools of steps. The workflow-executor's is the agent runtime over the
 * llm-proxy; the SDK's embedded runtime calls providers directly; tests can pass their own.
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
