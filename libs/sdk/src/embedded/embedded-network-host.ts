import { API_GROUP_VERSION, generatedRunName, keyOf, parseReference, type Resource } from '@kastra/api';
import { agentModelHandle, networkAgentDeps } from '@kastra/agent-runtime';
import { PROVIDER_DEFAULTS, type ProviderName } from '@kastra/llm/provider-table';
import {
  decideRoute,
  finishedTurns,
  foldNetworkRunEvents,
  networkRunStatus,
  NO_USAGE,
  planNetworkRun,
  RouteDecisionError,
  type NetworkRunEvent,
  type NetworkRunMember,
  type NetworkRunState,
  type StructuredOutputMode,
  type TimedNetworkRunEvent,
} from '@kastra/network-runtime';
import { MemoryNetworkState, MemoryStateData } from '@kastra/network-state';
import { RunFailedError } from '../errors/kastra-errors';
import type { NetworkResult } from '../runtime/runtime-handles';
import type { EmbeddedAgentRunner } from './embedded-agent-runner';
import type { EmbeddedResourceStore } from './embedded-resource-store';
import type { EmbeddedWorkflowHost } from './embedded-workflow-host';
import type { RunLog } from './run-log';

/** Member turns of a run when neither the call nor the Network says (the network-router's default). */
const DEFAULT_NETWORK_MAX_STEPS = 10;

interface NetworkSpec {
  instructions?: string;
  agents?: Array<{ name: string; ref?: string; description?: string }>;
  workflows?: Array<{ name: string; ref?: string; description?: string }>;
  router?: { model?: { ref?: unknown; provider?: string; name?: string }; maxSteps?: number };
  state?: { ttl?: number };
}

/**
 * Runs a Network in this process with libs/network-runtime — `planNetworkRun` decides what is
 * next from the run's folded events, `decideRoute` asks the router model (with its repair and
 * corrective turns), `networkRunStatus` projects the status — as the network-router does. Agent
 * members run through the embedded agent runner with the network-state tools over a state in
 * memory; workflow members run as child WorkflowRuns of the embedded workflow host. The NetworkRun
 * resource and its status are kept in the store; the log is in memory, and in the run's stream
 * when the runtime keeps a log (RunLog).
 */
export class EmbeddedNetworkHost {
  constructor(
    private readonly store: EmbeddedResourceStore,
    private readonly agents: EmbeddedAgentRunner,
    private readonly workflows: EmbeddedWorkflowHost,
    private readonly observer: { onEvent?(run: Resource, event: { type: string; data: unknown; at?: string }): void } = {},
    private readonly runLog?: RunLog,
  ) {}

  async generate(
    network: Resource,
    message: string,
    options: { threadId?: string; maxSteps?: number; signal: AbortSignal; onEvent?: (event: TimedNetworkRunEvent) => void },
  ): Promise<NetworkResult> {
    const namespace = network.metadata.namespace ?? 'default';
    const { object: run } = await this.store.apply({
      apiVersion: API_GROUP_VERSION,
      kind: 'NetworkRun',
      metadata: { name: generatedRunName(network.metadata.name), namespace, labels: { 'mastra.ai/network': network.metadata.name } },
      spec: { networkRef: network.metadata.name, message, ...(options.threadId ? { threadId: options.threadId } : {}), ...(options.maxSteps ? { maxSteps: options.maxSteps } : {}) },
    });
    const log: TimedNetworkRunEvent[] = [];
    const stateData = new MemoryStateData();
    const ttl = (network.spec as NetworkSpec | undefined)?.state?.ttl ?? 0;
    const networkState = new MemoryNetworkState(stateData, ttl, () => Date.now(), 1000);
    const append = async (events: NetworkRunEvent[]) => {
      const at = new Date().toISOString();
      await this.runLog?.append('NetworkRun', run, events, log.length);
      for (const event of events) {
        const timed = { ...event, at } as TimedNetworkRunEvent;
        log.push(timed);
        this.observer.onEvent?.(run, timed);
        options.onEvent?.(timed);
      }
      const stored = this.store.getNow(keyOf(run));
      if (stored) await this.store.updateStatus(keyOf(run), networkRunStatus(foldNetworkRunEvents(log), NO_USAGE, stored.status?.conditions));
    };

    for (;;) {
      const state = foldNetworkRunEvents(log);
      const action = planNetworkRun(state, { cancel: options.signal.aborted });
      if (action.kind === 'finished') return this.result(run, state);
      if (action.kind === 'events') {
        await append(action.events);
        continue;
      }
      if (action.kind === 'start') {
        await append(await this.startEvents(network, message, run, options));
        continue;
      }
      if (action.kind === 'await-child') throw new Error('an embedded child run is never pending');
      const started = state.started!;
      if (action.kind === 'route') {
        try {
          const turn = await decideRoute(
            async (request) => {
              const completion = await this.agents.llm.chat(request, { user: 'system:embedded-runtime', signal: options.signal, runUid: run.metadata.uid });
              const content = completion.choices[0]?.message?.content;
              return typeof content === 'string' ? content : '';
            },
            started.router.model,
            {
              network: started.network,
              instructions: started.instructions,
              members: started.members,
              task: started.message,
              history: started.history,
              turns: finishedTurns(state).map((turn) => ({ decision: state.decisions.find((d) => d.step === turn.step)!, output: turn.output!.value })),
              state: await networkState.getAll(),
              structuredOutput: started.router.structuredOutput,
            },
          );
          await append([{ type: 'RouteDecided', data: { step: action.step, ...turn.decision } }]);
        } catch (error) {
          if (options.signal.aborted) continue;
          const reason = error instanceof RouteDecisionError ? error.reason : 'RouterFailed';
          await append([{ type: 'NetworkRunFailed', data: { reason, message: (error as Error).message ?? String(error), step: action.step } }]);
        }
        continue;
      }
      // A member's turn.
      const { step, member, input, attempt } = action;
      await append([{ type: 'MemberStarted', data: { step, member: member.name, memberKind: member.kind, input, attempt, replica: 'embedded' } }]);
      try {
        const output = await this.runMember(member, input, namespace, started.threadId, networkAgentDeps(networkState, namespace), options.signal);
        await append([{ type: 'MemberFinished', data: { step, member: member.name, output } }]);
      } catch (error) {
        if (options.signal.aborted) continue;
        const failure = error as { name?: string; message?: string };
        await append([{ type: 'MemberFailed', data: { step, member: member.name, error: { type: failure.name && failure.name !== 'Error' ? failure.name : 'MemberError', message: failure.message ?? String(error) } } }]);
      }
    }
  }

  private async runMember(member: NetworkRunMember, input: string, namespace: string, threadId: string, deps: ReturnType<typeof networkAgentDeps>, signal: AbortSignal): Promise<unknown> {
    if (member.kind === 'agent') {
      const agent = this.store.getNow(parseReference(member.ref, { kind: 'Agent', defaultNamespace: namespace }));
      if (!agent) throw Object.assign(new Error(`Agent ${member.ref} does not exist`), { name: 'NotFound' });
      return (await this.agents.generate(agent, { prompt: input, threadId }, { signal, ...deps })).text;
    }
    const workflow = this.store.getNow(parseReference(member.ref, { kind: 'Workflow', defaultNamespace: namespace }));
    if (!workflow) throw Object.assign(new Error(`Workflow ${member.ref} does not exist`), { name: 'NotFound' });
    const { run, state } = await this.workflows.start(workflow, workflowInput(input), signal);
    if (state.phase !== 'Succeeded') throw Object.assign(new Error(`child run ${run.metadata.name} ${state.phase.toLowerCase()}: ${state.error?.message ?? ''}`), { name: 'ChildRunFailed' });
    return state.output ?? null;
  }

  /** NetworkRunStarted with what the run keeps of its Network, as the network-router records it. */
  private async startEvents(network: Resource, message: string, run: Resource, options: { threadId?: string; maxSteps?: number }): Promise<NetworkRunEvent[]> {
    const namespace = network.metadata.namespace ?? 'default';
    const spec = (network.spec ?? {}) as NetworkSpec;
    const allowed = spec.router?.maxSteps ?? DEFAULT_NETWORK_MAX_STEPS;
    if (options.maxSteps !== undefined && options.maxSteps > allowed) {
      return [{ type: 'NetworkRunFailed', data: { reason: 'MaxStepsExceedsNetwork', message: `maxSteps ${options.maxSteps} is more than the ${allowed} member turns the Network allows (router.maxSteps)` } }];
    }
    const members: NetworkRunMember[] = [];
    for (const [kind, resourceKind, list] of [['agent', 'Agent', spec.agents ?? []], ['workflow', 'Workflow', spec.workflows ?? []]] as const) {
      for (const entry of list) {
        const key = parseReference(entry.ref ?? entry.name, { kind: resourceKind, defaultNamespace: namespace });
        const own = (this.store.getNow(key)?.spec ?? {}) as { instructions?: string; description?: string };
        const description = entry.description ?? (kind === 'agent' ? own.instructions : own.description) ?? `the ${resourceKind} ${key.namespace}.${key.name}`;
        members.push({ name: entry.name, kind, ref: `${key.namespace}.${key.name}`, description });
      }
    }
    return [
      {
        type: 'NetworkRunStarted',
        data: {
          network: `${namespace}.${network.metadata.name}`,
          message,
          threadId: options.threadId ?? run.metadata.uid ?? run.metadata.name,
          maxSteps: options.maxSteps ?? allowed,
          members,
          ...(spec.instructions ? { instructions: spec.instructions } : {}),
          router: { model: agentModelHandle({ ...network, spec: { model: spec.router?.model } }), structuredOutput: this.structuredOutputOf(spec, namespace) },
          state: { persistence: false, ...(spec.state?.ttl ? { ttl: spec.state.ttl } : {}) },
          history: [],
        },
      },
    ];
  }

  private structuredOutputOf(spec: NetworkSpec, namespace: string): StructuredOutputMode {
    const model = spec.router?.model;
    let provider = model?.provider;
    if (model?.ref !== undefined) provider = (this.store.getNow(parseReference(model.ref, { kind: 'LLM', defaultNamespace: namespace }))?.spec as { provider?: string } | undefined)?.provider;
    return PROVIDER_DEFAULTS[provider as ProviderName]?.structuredOutput ?? 'json_schema';
  }

  private result(run: Resource, state: NetworkRunState): NetworkResult {
    const route = (networkRunStatus(state, NO_USAGE).route ?? []) as Array<Record<string, unknown>>;
    if (state.phase === 'Succeeded') return { output: state.output, route, run: run.metadata.name };
    const step = state.error?.step;
    throw new RunFailedError(run.metadata.name, state.phase, step === undefined ? undefined : `step-${step}`, { type: state.error?.reason ?? 'RunFailed', message: state.error?.message ?? 'the run failed' });
  }
}

/** The router's input for a workflow member: a JSON object as it is, other text as a string (as the network-router does). */
function workflowInput(input: string): unknown {
  const trimmed = input.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      // text
    }
  }
  return input;
}
