import type { Resource } from '@kastra/api';
import type { NetworkState } from '@kastra/network-state';
import type { AgentDeps } from './agent-run-types';
import type { AgentTool } from './tool-resolver';
import { NETWORK_STATE_GET, NETWORK_STATE_SET, NETWORK_STATE_TOOL_SPECS } from './tools/network-state-builtins';

export { NETWORK_STATE_GET, NETWORK_STATE_SET } from './tools/network-state-builtins';

/**
 * The two tools every agent running as a network member gets, as Tool resources made in memory
 * (no one applies them): `network-state-get` and `network-state-set`, under those names, in
 * `namespace` (the network's; it only names them in errors).
 */
export function networkStateTools(namespace = 'default'): AgentTool[] {
  return ([NETWORK_STATE_GET, NETWORK_STATE_SET] as const).map((name) => {
    const tool: Resource = {
      apiVersion: 'mastra.ai/v1',
      kind: 'Tool',
      metadata: { name, namespace },
      spec: { builtin: name, ...NETWORK_STATE_TOOL_SPECS[name] },
    };
    return { name, tool };
  });
}

/** What runAgent needs so a member reads and writes `state`: `runAgent(agent, input, {...deps, ...networkAgentDeps(state, ns)})`. */
export function networkAgentDeps(state: NetworkState, namespace: string): Pick<AgentDeps, 'extraTools' | 'network'> {
  return { extraTools: networkStateTools(namespace), network: { state } };
}
