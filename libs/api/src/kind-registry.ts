import type { KindDefinition } from './kind-definition';
import { agentKind } from './kinds/agent-kind';
import type { BuiltinKind } from './kinds/builtin-kind';
import { matchesKindName } from './kinds/kind-names';
import { llmKind } from './kinds/llm-kind';
import { networkKind } from './kinds/network-kind';
import { RBAC_KINDS } from './kinds/rbac-kinds';
import { secretKind } from './kinds/secret-kind';
import { systemKind } from './kinds/system-kind';
import { toolKind } from './kinds/tool-kind';
import { workflowKind } from './kinds/workflow-kind';
import { workflowRunKind } from './kinds/workflow-run-kind';
import { networkRunKind } from './kinds/network-run-kind';
import { pluginKind } from './kinds/plugin-kind';
import { crdAlphaKind, crdKind } from './custom-resources/crd-kind';
import { DEFAULT_NAMESPACE, type Resource, type ResourceKey } from './resource';

/**
 * The built-in kinds: Kastra's own (mastra.ai/v1), CustomResourceDefinition
 * (apiextensions.k8s.io/v1, first so kubectl prefers it for `crd`) and Kubernetes RBAC
 * (rbac.authorization.k8s.io/v1).
 */
export const BUILTIN_KINDS: readonly BuiltinKind[] = [
  crdKind,
  llmKind,
  toolKind,
  agentKind,
  workflowKind,
  networkKind,
  systemKind,
  secretKind,
  workflowRunKind,
  networkRunKind,
  pluginKind,
  ...RBAC_KINDS,
];

/**
 * Every kind served, of every group. The single source of group, version, plural and scope:
 * routes, discovery, OpenAPI and authorization read them from here. Kind names are unique across
 * groups (the store keys objects by kind name), except a kind served under several versions (a
 * CRD as apiextensions.k8s.io/v1 and mastra.ai/v1alpha1; a custom kind's versions): the stored
 * version comes first. Kinds of CustomResourceDefinitions are added and removed at run time
 * (setCustomResourceDefinitions), in place: never keep a copy.
 */
export const KINDS: KindDefinition[] = [...BUILTIN_KINDS, crdAlphaKind];

/** One group and the version it serves, as discovery lists them. */
export interface ServedGroupVersion {
  group: string;
  version: string;
  /** `group/version` */
  groupVersion: string;
}

/** `group/version` of a kind: its objects' apiVersion. */
export function apiVersionOf(kind: Pick<KindDefinition, 'group' | 'version'>): string {
  return kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
}

/** The groups and versions of the served kinds, in registry order, each once. */
export function servedGroupVersions(): ServedGroupVersion[] {
  const seen = new Map<string, ServedGroupVersion>();
  for (const kind of KINDS) {
    const groupVersion = apiVersionOf(kind);
    if (!seen.has(groupVersion)) seen.set(groupVersion, { group: kind.group, version: kind.version, groupVersion });
  }
  return [...seen.values()];
}

/** The kinds served under one group and version. */
export function kindsOf(group: string, version: string): KindDefinition[] {
  return KINDS.filter((kind) => kind.group === group && kind.version === version);
}

/** The kind served at `/apis/{group}/{version}/…/{plural}` (exact, lowercase). */
export function findKindByResource(group: string, version: string, plural: string): KindDefinition | undefined {
  return KINDS.find((kind) => kind.group === group && kind.version === version && kind.plural === plural);
}

/** A kind by its REST plural in any group (plurals are unique among the served kinds). */
export function findKindByPlural(plural: string): KindDefinition | undefined {
  return KINDS.find((kind) => kind.plural === plural);
}

/** A kind by any of its names as kubectl accepts them: kind, plural, singular or short name, any case. */
export function findKindByName(name: string): KindDefinition | undefined {
  return KINDS.find((kind) => kind.kind === name) ?? KINDS.find((kind) => matchesKindName(kind, name));
}

export function findBuiltinKind(kind: string): BuiltinKind | undefined {
  return BUILTIN_KINDS.find((definition) => definition.kind === kind);
}

/** The namespace an object of `kindName` is stored under: '' for cluster-scoped kinds, else the given one or `default`. */
export function storedNamespace(kindName: string, namespace: string | undefined): string {
  if (findKindByName(kindName)?.namespaced === false) return '';
  return namespace || DEFAULT_NAMESPACE;
}

/** The identity of a resource; what a reconcile request carries (never the event). */
export function keyOf(resource: Resource): ResourceKey {
  return { kind: resource.kind, namespace: storedNamespace(resource.kind, resource.metadata.namespace), name: resource.metadata.name };
}
