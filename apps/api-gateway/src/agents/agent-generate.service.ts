import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConflictError, NotFoundError, type Resource } from '@kastra/api';
import {
  EventStoreAgentMemory,
  NatsLlmClient,
  runAgent,
  storeToolResolver,
  type AgentEvent,
  type AgentInput,
  type AgentResult,
  type ToolSource,
} from '@kastra/agent-runtime';
import { EventStore } from '@kastra/event-store';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { lastWriterPermissions, RbacAuthorizer } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { agentCallError } from './agent-call-errors';

export type GenerateAnswer = Pick<AgentResult, 'text' | 'object' | 'toolCalls' | 'usage' | 'steps'>;

/**
 * Direct agent calls: the Agent and its Tools from the store, the model through the llm-proxy.
 * Each Tool uses the Secrets and private addresses its last writer may, by the gateway's own RBAC
 * authorizer — never the caller's rights.
 */
@Injectable()
export class AgentGenerateService implements OnModuleDestroy {
  private readonly llm: NatsLlmClient;
  private readonly memory: EventStoreAgentMemory;
  private readonly toolAccess: Parameters<typeof storeToolResolver>[1];
  private readonly inFlight = new Set<AbortController>();

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(NATS_PREFIX) prefix: string,
    events: EventStore,
    authorizer: RbacAuthorizer,
  ) {
    this.llm = new NatsLlmClient({ nc, prefix });
    this.memory = new EventStoreAgentMemory(events);
    const permissions = lastWriterPermissions(store, authorizer);
    this.toolAccess = {
      secretAllowed: (tool, secret) => permissions.mayUseSecret(tool, secret),
      egress: { privateAllowed: (tool) => permissions.mayReachPrivate(tool) },
    };
  }

  /** The Agent, which must be Ready (its model, tools and secrets checked by the controller). */
  async readyAgent(namespace: string, name: string): Promise<Resource> {
    const agent = await this.store.get({ kind: 'Agent', namespace, name });
    if (!agent) throw new NotFoundError('agents', name);
    const ready = agent.status?.conditions?.find((condition) => condition.type === 'Ready');
    if (ready?.status !== 'True') {
      const why = ready ? `${ready.reason}: ${ready.message}` : 'it has not been reconciled yet';
      throw new ConflictError('agents', name, `the agent is not Ready (${why})`);
    }
    return agent;
  }

  async generate(agent: Resource, input: AgentInput, options: { user: string; signal: AbortSignal; onEvent?: (event: AgentEvent) => void }): Promise<GenerateAnswer> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    options.signal.addEventListener('abort', abort, { once: true });
    this.inFlight.add(controller);
    try {
      // The Postgres store reveals Secret values for http tool headers; answers never carry them.
      const result = await runAgent(agent, input, {
        llm: this.llm,
        tools: storeToolResolver(this.store as ResourceStore & ToolSource, this.toolAccess),
        memory: this.memory,
        user: options.user,
        signal: controller.signal,
        onEvent: options.onEvent,
      });
      return { text: result.text, ...(result.object !== undefined ? { object: result.object } : {}), toolCalls: result.toolCalls, usage: result.usage, steps: result.steps };
    } catch (error) {
      throw agentCallError(error);
    } finally {
      options.signal.removeEventListener('abort', abort);
      this.inFlight.delete(controller);
    }
  }

  onModuleDestroy(): void {
    for (const controller of this.inFlight) controller.abort();
  }
}
