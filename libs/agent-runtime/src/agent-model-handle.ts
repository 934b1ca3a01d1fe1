import { parseReference, type Resource } from '@kastra/api';
import { AgentConfigurationError } from './agent-errors';

/**
 * The model handle the llm-proxy resolves for an Agent: `namespace.name` of its LLM resource
 * (a bare ref is in the agent's namespace), or `provider/name` for an inline model.
 */
export function agentModelHandle(agent: Resource): string {
  const namespace = agent.metadata.namespace ?? 'default';
  const model = (agent.spec as { model?: { ref?: unknown; provider?: string; name?: string } } | undefined)?.model;
  if (model?.ref !== undefined) {
    const key = parseReference(model.ref, { defaultNamespace: namespace, kind: 'LLM' });
    return `${key.namespace}.${key.name}`;
  }
  if (model?.provider && model.name) return `${model.provider}/${model.name}`;
  throw new AgentConfigurationError(`${namespace}.${agent.metadata.name}`, `agent ${namespace}.${agent.metadata.name} has no model: set spec.model.ref or spec.model.provider and name`);
}
