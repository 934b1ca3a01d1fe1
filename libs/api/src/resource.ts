/** The group and version every Kastra kind is served under. */
export const API_GROUP = 'mastra.ai';
export const API_VERSION = 'v1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
export const DEFAULT_NAMESPACE = 'default';

/** Where every mastra.ai kind is served: its group and version, in namespaces, in `kubectl get all`. */
export const MASTRA_KIND_PLACEMENT = { group: API_GROUP, version: API_VERSION, namespaced: true, categories: ['all', 'mastra'] };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Server-set from here on. */
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine-readable. */
  reason: string;
  /** For a person: what is wrong and what to do. */
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ResourceStatus {
  phase?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  [field: string]: unknown;
}

/** A Kastra resource as stored and served: the Kubernetes object shape. */
export interface Resource<Spec = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: ResourceStatus;
  /** Secrets carry `data` (and accept `stringData`) instead of `spec`, as in Kubernetes. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

/** The identity of a resource; what a reconcile request carries (never the event). */
export interface ResourceKey {
  kind: string;
  namespace: string;
  name: string;
}

export function formatKey(key: ResourceKey): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}
