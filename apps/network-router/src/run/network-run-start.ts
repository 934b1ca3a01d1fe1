import type { Pool } from 'pg';
import { parseReference, type Resource, type ResourceKey } from '@kastra/api';
import { agentModelHandle } from '@kastra/agent-runtime';
import { PROVIDER_DEFAULTS, type ProviderName } from '@kastra/llm/provider-table';
import type { NetworkRunEvent, NetworkRunMember, StructuredOutputMode } from '@kastra/network-runtime';
import { runCreator, type ResourceSource } from '@kastra/run-engine';
import { threadHistory } from './thread-history';

/** Member turns of a run when neither the run nor the Network says. */
export const DEFAULT_NETWORK_MAX_STEPS = 10;

interface NetworkSpec {
  instructions?: string;
  agents?: Array<{ name: string; ref?: string; description?: string }>;
  workflows?: Array<{ name: string; ref?: string; description?: string }>;
  router?: { model?: { ref?: unknown; provider?: string; name?: string }; maxSteps?: number };
  state?: { persistence?: boolean; ttl?: number };
}

interface NetworkRunSpec {
  networkRef?: unknown;
  message?: string;
  threadId?: string;
  maxSteps?: number;
}

/**
 * The first events of a run: NetworkRunStarted with everything the run keeps from its Network
 * (members and their descriptions, instructions, router model, state settings, maxSteps), the
 * thread's earlier turns and its creator — later edits of the Network do not change a run under
 * way. Or NetworkRunFailed when the Network is missing or the run asks for more steps than it allows.
 */
export async function networkRunStartEvents(run: Resource, deps: { pool: Pool; resources: ResourceSource }): Promise<NetworkRunEvent[]> {
  const namespace = run.metadata.namespace ?? 'default';
  const spec = (run.spec ?? {}) as NetworkRunSpec;
  let networkKey: ResourceKey;
  try {
    networkKey = parseReference(spec.networkRef, { kind: 'Network', defaultNamespace: namespace });
  } catch (error) {
    return [failed('NetworkNotFound', `spec.networkRef: ${(error as Error).message}`)];
  }
  // A run acts as its creator, and its members' Tools with their writers' rights: running another
  // namespace's Network would lend that namespace's agents and Tools to anyone who may create a run.
  if (networkKey.namespace !== namespace) {
    return [failed('NetworkNotFound', `spec.networkRef names Network ${networkKey.namespace}.${networkKey.name}: a NetworkRun runs a Network of its own namespace (${namespace})`)];
  }
  const network = await deps.resources.get(networkKey);
  if (!network) return [failed('NetworkNotFound', `Network ${networkKey.namespace}.${networkKey.name} does not exist`)];
  const networkSpec = (network.spec ?? {}) as NetworkSpec;
  const allowed = networkSpec.router?.maxSteps ?? DEFAULT_NETWORK_MAX_STEPS;
  if (spec.maxSteps !== undefined && spec.maxSteps > allowed) {
    return [failed('MaxStepsExceedsNetwork', `spec.maxSteps ${spec.maxSteps} is more than the ${allowed} member turns Network ${networkKey.namespace}.${networkKey.name} allows (router.maxSteps)`)];
  }
  let model: string;
  try {
    model = agentModelHandle({ ...network, spec: { model: networkSpec.router?.model } });
  } catch (error) {
    return [failed('RouterFailed', `the Network's router has no model: ${(error as Error).message}`)];
  }
  const networkName = `${networkKey.namespace}.${networkKey.name}`;
  const threadId = spec.threadId ?? run.metadata.uid ?? run.metadata.name;
  const [members, structuredOutput, history, createdBy] = await Promise.all([
    membersOf(networkSpec, networkKey.namespace, deps.resources),
    structuredOutputOf(networkSpec, networkKey.namespace, deps.resources),
    spec.threadId ? threadHistory(deps.pool, { namespace, network: networkName, threadId: spec.threadId, exceptRunUid: run.metadata.uid ?? '' }) : Promise.resolve([]),
    runCreator(deps.pool, run),
  ]);
  return [
    {
      type: 'NetworkRunStarted',
      data: {
        network: networkName,
        message: spec.message ?? '',
        threadId,
        maxSteps: spec.maxSteps ?? allowed,
        members,
        ...(networkSpec.instructions ? { instructions: networkSpec.instructions } : {}),
        router: { model, structuredOutput },
        state: { persistence: networkSpec.state?.persistence === true, ...(networkSpec.state?.ttl ? { ttl: networkSpec.state.ttl } : {}) },
        history,
        ...(createdBy ? { createdBy } : {}),
      },
    },
  ];
}

function failed(reason: 'NetworkNotFound' | 'MaxStepsExceedsNetwork' | 'RouterFailed', message: string): NetworkRunEvent {
  return { type: 'NetworkRunFailed', data: { reason, message } };
}

/** Agents then workflows, each with the description the router sees (the Network's, else the member's own). */
async function membersOf(spec: NetworkSpec, namespace: string, resources: ResourceSource): Promise<NetworkRunMember[]> {
  const lists = [
    ['agent', 'Agent', spec.agents ?? []],
    ['workflow', 'Workflow', spec.workflows ?? []],
  ] as const;
  const members: NetworkRunMember[] = [];
  for (const [kind, resourceKind, list] of lists) {
    for (const entry of list) {
      const key = parseReference(entry.ref ?? entry.name, { kind: resourceKind, defaultNamespace: namespace });
      let description = entry.description;
      if (description === undefined) {
        const resource = await resources.get(key);
        const own = (resource?.spec ?? {}) as { instructions?: string; description?: string };
        description = (kind === 'agent' ? own.instructions : own.description) ?? `the ${resourceKind} ${key.namespace}.${key.name}`;
      }
      members.push({ name: entry.name, kind, ref: `${key.namespace}.${key.name}`, description });
    }
  }
  return members;
}

/** `json_schema` unless the router model's provider only takes the schema in the prompt (libs/llm's provider table). */
async function structuredOutputOf(spec: NetworkSpec, namespace: string, resources: ResourceSource): Promise<StructuredOutputMode> {
  const model = spec.router?.model;
  let provider = model?.provider;
  if (model?.ref !== undefined) {
    const llm = await resources.get(parseReference(model.ref, { kind: 'LLM', defaultNamespace: namespace }));
    provider = (llm?.spec as { provider?: string } | undefined)?.provider;
  }
  return PROVIDER_DEFAULTS[provider as ProviderName]?.structuredOutput ?? 'json_schema';
}
