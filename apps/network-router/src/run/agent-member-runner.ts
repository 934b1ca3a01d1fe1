import { parseReference } from '@kastra/api';
import { EventStoreAgentMemory, networkAgentDeps, runAgent, storeToolResolver, type LlmClient, type ToolSource } from '@kastra/agent-runtime';
import type { EventStore } from '@kastra/event-store';
import type { NetworkState } from '@kastra/network-state';
import { DENY_ALL_PERMISSIONS, type ResourcePermissions } from '@kastra/rbac';
import { llmUserOf, type ResourceSource } from '@kastra/run-engine';

/** Who model calls of a run are made for when the run does not know its creator. */
export const ROUTER_PRINCIPAL = 'system:network-router';

export interface AgentMemberRunnerOptions {
  llm: LlmClient;
  /** Agents and Tools (and Secret values for Tools). */
  store: ToolSource;
  /** Agents' memory threads (the run's thread). */
  events?: EventStore;
  /** Per tool call limit inside agents. @default 30000 */
  toolTimeoutMs?: number;
  /** Which Secrets a Tool may use and whether it may reach private addresses: its last writer's rights. @default none */
  permissions?: ResourcePermissions;
}

/** One agent member turn. */
export interface AgentTurn {
  /** `namespace.name` of the Agent. */
  agent: string;
  input: string;
  threadId: string;
  /** The principal the run acts as (its creator). */
  actingAs?: string;
  runUid: string;
  idempotencyKey: string;
  state: NetworkState;
  /** The Network's namespace (names the state tools in errors). */
  namespace: string;
  resources: ResourceSource;
  signal: AbortSignal;
}

/** The agent the router picked is not there (deleted since the run started). */
export class MemberNotFoundError extends Error {
  override readonly name = 'NotFound';
}

/**
 * Runs an agent member's full loop as a workflow agent step does (@kastra/agent-runtime:
 * tools with their last writer's rights, memory in the run's thread, calls billed to the run's
 * creator and named with the run) plus the network-state tools. Answers the agent's text.
 */
export class AgentMemberRunner {
  private readonly access: { secretAllowed: ResourcePermissions['mayUseSecret']; egress: { privateAllowed: ResourcePermissions['mayReachPrivate'] } };

  constructor(private readonly options: AgentMemberRunnerOptions) {
    const permissions = options.permissions ?? DENY_ALL_PERMISSIONS;
    this.access = {
      secretAllowed: (tool, secret) => permissions.mayUseSecret(tool, secret),
      egress: { privateAllowed: (tool) => permissions.mayReachPrivate(tool) },
    };
  }

  async run(turn: AgentTurn): Promise<string> {
    const key = parseReference(turn.agent, { kind: 'Agent', defaultNamespace: turn.namespace });
    const agent = await turn.resources.get(key);
    if (!agent) throw new MemberNotFoundError(`Agent ${turn.agent} does not exist`);
    const result = await runAgent(
      agent,
      { prompt: turn.input, threadId: turn.threadId },
      {
        llm: this.options.llm,
        tools: storeToolResolver((turn.resources as ToolSource | undefined) ?? this.options.store, this.access),
        memory: this.options.events ? new EventStoreAgentMemory(this.options.events) : undefined,
        user: llmUserOf(turn.actingAs ?? ROUTER_PRINCIPAL),
        signal: turn.signal,
        idempotencyKey: turn.idempotencyKey,
        runUid: turn.runUid,
        toolTimeoutMs: this.options.toolTimeoutMs,
        ...networkAgentDeps(turn.state, turn.namespace),
      },
    );
    return result.text;
  }
}
