import type { KindDefinition } from './kind-definition';
import { agentKind } from './kinds/agent-kind';
import type { BuiltinKind } from './kinds/builtin-kind';
import { matchesKindName } from './kinds/kind-names';
import { llmKind } from './kinds/llm-kind';
import { networkKind } from './kinds/network-kind';
import { secretKind } from './kinds/secret-kind';
import { systemKind } from './kinds/system-kind';
import { toolKind } from './kinds/tool-kind';
import { workflowKind } from './kinds/workflow-kind';
import { workflowRunKind } from './kinds/workflow-run-kind';

/** The built-in kinds. */
export const BUILTIN_KINDS: readonly BuiltinKind[] = [
  llmKind,
  toolKind,
  agentKind,
  workflowKind,
  networkKind,
  systemKind,
  secretKind,
  workflowRunKind,
];

/** Every kind Kastra serves under mastra.ai/v1. */
export const KINDS: KindDefinition[] = [...BUILTIN_KINDS];

/** The kind served at `/apis/mastra.ai/v1/namespaces/{ns}/{plural}` (exact, lowercase). */
export function findKindByPlural(plural: string): KindDefinition | undefined {
  return KINDS.find((kind) => kind.plural === plural);
}

/** A kind by any of its names as kubectl accepts them: kind, plural, singular or short name, any case. */
export function findKindByName(name: string): KindDefinition | undefined {
  return KINDS.find((kind) => matchesKindName(kind, name));
}

export function findBuiltinKind(kind: string): BuiltinKind | undefined {
  return BUILTIN_KINDS.find((definition) => definition.kind === kind);
}
