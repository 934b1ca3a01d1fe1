/** `*` in verbs, apiGroups, resources and nonResourceURLs: everything. */
export const WILDCARD = '*';

/** One permission of a Role or ClusterRole, as in rbac.authorization.k8s.io/v1. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Who a binding grants its role to. */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  apiGroup?: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

/** What the authorizer needs of a Role or ClusterRole. */
export interface RoleObject {
  kind: 'Role' | 'ClusterRole';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  rules?: PolicyRule[];
}

/** What the authorizer needs of a RoleBinding or ClusterRoleBinding. */
export interface BindingObject {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  roleRef: RoleRef;
  subjects?: Subject[];
}

export type RbacObject = RoleObject | BindingObject;

export const RBAC_KIND_NAMES = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] as const;

export function isRbacKind(kind: string): kind is RbacObject['kind'] {
  return (RBAC_KIND_NAMES as readonly string[]).includes(kind);
}
