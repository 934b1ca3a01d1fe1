import type { Resource, ResourceKey } from '@kastra/api';
import { executeTool, runAgent, storeToolResolver, type AgentDeps, type AgentMemory, type AgentInput, type AgentResult, type ToolResolver } from '@kastra/agent-runtime';
import { agentInput, agentStepOutput, NonRetryableStepError, type CallContext, type StepInvoker } from '@kastra/workflow-runtime';
import { EmbeddedLlmClient } from './embedded-llm-client';
import type { EmbeddedResourceStore } from './embedded-resource-store';
import { InProcessAgentMemory } from './in-process-agent-memory';

/** Who an embedded runtime's model calls are made for (there is no caller identity in a process). */
export const EMBEDDED_PRINCIPAL = 'system:embedded-runtime';

/**
 * Agents and tools of an embedded runtime through @kastra/agent-runtime — `runAgent` and
 * `executeTool`, as the gateway and the workflow-executor run them — with the model called by
 * EmbeddedLlmClient and the Tools' Secrets from the store. It is also the workflow steps'
 * StepInvoker (the executor's AgentRuntimeInvoker, in process).
 */
export class EmbeddedAgentRunner implements StepInvoker {
  readonly llm: EmbeddedLlmClient;
  private readonly tools: ToolResolver;

  constructor(
    private readonly store: EmbeddedResourceStore,
    env: NodeJS.ProcessEnv,
    private readonly toolTimeoutMs?: number,
    private readonly memory: AgentMemory = new InProcessAgentMemory(),
  ) {
    this.llm = new EmbeddedLlmClient(store, env);
    // The application is the last writer of its Tools: they may use its Secrets and reach private addresses.
    this.tools = storeToolResolver(store, { secretAllowed: async () => true, egress: { privateAllowed: async () => true } });
  }

  generate(agent: Resource, input: AgentInput, options: Pick<AgentDeps, 'signal' | 'onEvent' | 'idempotencyKey' | 'runUid' | 'extraTools' | 'network'> = {}): Promise<AgentResult> {
    return runAgent(agent, input, {
      llm: this.llm,
      tools: this.tools,
      memory: this.memory,
      user: EMBEDDED_PRINCIPAL,
      signal: options.signal,
      onEvent: options.onEvent,
      idempotencyKey: options.idempotencyKey,
      runUid: options.runUid,
      toolTimeoutMs: this.toolTimeoutMs,
      extraTools: options.extraTools,
      network: options.network,
    });
  }

  executeTool(tool: Resource, input: unknown, options: { signal?: AbortSignal; idempotencyKey?: string } = {}): Promise<unknown> {
    return executeTool(tool, input, {
      signal: options.signal,
      idempotencyKey: options.idempotencyKey,
      secrets: this.tools.secrets,
      secretAllowed: this.tools.secretAllowed,
      egress: this.tools.egress,
      timeoutMs: this.toolTimeoutMs,
    });
  }

  async callAgent(key: ResourceKey, input: unknown, ctx: CallContext): Promise<unknown> {
    const agent = this.load(key);
    const result = await this.generate(agent, { ...agentInput(input), threadId: `run-${ctx.run.uid}` }, { signal: ctx.signal, idempotencyKey: ctx.idempotencyKey, runUid: ctx.run.uid });
    return agentStepOutput(result);
  }

  callTool(key: ResourceKey, input: unknown, ctx: CallContext): Promise<unknown> {
    return this.executeTool(this.load(key), input, { signal: ctx.signal, idempotencyKey: ctx.idempotencyKey });
  }

  private load(key: ResourceKey): Resource {
    const resource = this.store.getNow(key);
    if (!resource) throw new NonRetryableStepError('NotFound', `${key.kind} ${key.namespace}.${key.name} not found`);
    return resource;
  }
}
