import { NotFoundError, type Resource, type ResourceKey } from '@kastra/api';
import {
  EventStoreAgentMemory,
  executeTool,
  runAgent,
  storeToolResolver,
  type LlmClient,
  type ToolSource,
} from '@kastra/agent-runtime';
import type { EventStore } from '@kastra/event-store';
import { DENY_ALL_PERMISSIONS, type ResourcePermissions } from '@kastra/rbac';
import { llmUserOf } from '@kastra/run-engine';
import { agentInput, agentStepOutput, NonRetryableStepError, type CallContext, type StepInvoker } from '@kastra/workflow-runtime';

/** Who model calls of a run are made for when the run does not know its creator (recorded before it was kept). */
export const EXECUTOR_PRINCIPAL = 'system:workflow-executor';

export interface AgentRuntimeInvokerOptions {
  store: ToolSource;
  llm: LlmClient;
  events?: EventStore;
  /** Per tool call limit inside agents and of tool steps without a step timeout. @default 30000 */
  toolTimeoutMs?: number;
  /**
   * Which Secrets a Tool may use and whether it may reach private addresses: the rights of its
   * last writer (lastWriterPermissions). @default none may do either
   */
  permissions?: ResourcePermissions;
}

/**
 * Agent and tool steps through @kastra/agent-runtime: `runAgent` (the model loop over the
 * llm-proxy) and `executeTool` (http, mcp, builtin, script), with the step's idempotency key.
 * Every Tool runs with what its last writer may: its Secrets and private egress.
 */
export class AgentRuntimeInvoker implements StepInvoker {
  private readonly access: { secretAllowed: ResourcePermissions['mayUseSecret']; egress: { privateAllowed: ResourcePermissions['mayReachPrivate'] } };

  constructor(private readonly options: AgentRuntimeInvokerOptions) {
    const permissions = options.permissions ?? DENY_ALL_PERMISSIONS;
    this.access = {
      secretAllowed: (tool, secret) => permissions.mayUseSecret(tool, secret),
      egress: { privateAllowed: (tool) => permissions.mayReachPrivate(tool) },
    };
  }

  async callAgent(key: ResourceKey, input: unknown, ctx: CallContext): Promise<unknown> {
    const agent = await this.load(key, ctx);
    const result = await runAgent(agent, { ...agentInput(input), threadId: `run-${ctx.run.uid}` }, {
      llm: this.options.llm,
      tools: storeToolResolver((ctx.resources as ToolSource | undefined) ?? this.options.store, this.access),
      memory: this.options.events ? new EventStoreAgentMemory(this.options.events) : undefined,
      // Limited and billed as whoever created the run, never as the executor's own identity.
      user: llmUserOf(ctx.actingAs ?? EXECUTOR_PRINCIPAL),
      signal: ctx.signal,
      idempotencyKey: ctx.idempotencyKey,
      // Its model calls' usage events name the run.
      runUid: ctx.run.uid,
      toolTimeoutMs: this.options.toolTimeoutMs,
    });
    return agentStepOutput(result);
  }

  async callTool(key: ResourceKey, input: unknown, ctx: CallContext): Promise<unknown> {
    const tool = await this.load(key, ctx);
    return executeTool(tool, input, {
      signal: ctx.signal,
      idempotencyKey: ctx.idempotencyKey,
      secrets: async (namespace, name, secretKey) => this.options.store.revealSecretValue?.(namespace, name, secretKey),
      ...this.access,
      timeoutMs: this.options.toolTimeoutMs,
    });
  }

  private async load(key: ResourceKey, ctx: CallContext): Promise<Resource> {
    const resource = await (ctx.resources ?? this.options.store).get(key);
    if (!resource) throw new NonRetryableStepError('NotFound', new NotFoundError(key.kind.toLowerCase() + 's', `${key.namespace}.${key.name}`).message);
    return resource;
  }
}
