import { API_GROUP, BUILTIN_KINDS, RBAC_GROUP, type KindDefinition } from '@kastra/api';
import type { BindingObject, PolicyRule, RbacObject, RoleObject } from './policy-types';

/** Marks the built-in objects, as the apiserver's bootstrap policy does. */
export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAP_LABEL_VALUE = 'rbac-defaults';
/** "false" on a built-in object keeps the gateway from adding missing rules or subjects at start. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

export const CLUSTER_ADMIN = 'cluster-admin';
export const SYSTEM_MASTERS_GROUP = 'system:masters';
export const SYSTEM_AUTHENTICATED_GROUP = 'system:authenticated';
export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
export const AUTHENTICATION_GROUP = 'authentication.k8s.io';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

const meta = (name: string) => ({
  name,
  labels: { [BOOTSTRAP_LABEL]: BOOTSTRAP_LABEL_VALUE },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});

const clusterRole = (name: string, rules: PolicyRule[]): RoleObject => ({ kind: 'ClusterRole', metadata: meta(name), rules });

const groupBinding = (name: string, role: string, group: string): BindingObject => ({
  kind: 'ClusterRoleBinding',
  metadata: meta(name),
  roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'Group', apiGroup: RBAC_GROUP, name: group }],
});

/**
 * The Kastra kinds a role over "everything" covers: every built-in mastra.ai kind. Kinds added by
 * CustomResourceDefinitions are not (as Kubernetes' roles do not cover custom resources): grant
 * them with Roles naming their group and plural.
 */
function kastraKinds(): KindDefinition[] {
  return BUILTIN_KINDS.filter((kind) => kind.group === API_GROUP);
}

function statusOf(kinds: KindDefinition[]): string[] {
  return kinds.filter((kind) => kind.hasStatus).map((kind) => `${kind.plural}/status`);
}

/** The action subresources of the kinds taking `verb` (execute, generate and resume: create; events: get). */
function actionsOf(kinds: KindDefinition[], verb: string): string[] {
  return kinds.flatMap((kind) => (kind.subresources ?? []).filter((sub) => sub.verbs.includes(verb)).map((sub) => `${kind.plural}/${sub.name}`));
}

/** A Network's shared state per thread (`.../networks/NAME/state`): read with get (and its watch), written with patch. */
const NETWORK_STATE = 'networks/state';

/**
 * view: read everything but Secrets — every Kastra kind, its status and run events, network
 * state, and the namespaces and events kubectl reads.
 */
function viewRules(): PolicyRule[] {
  const readable = kastraKinds().filter((kind) => kind.kind !== 'Secret');
  return [
    { apiGroups: [API_GROUP], resources: [...readable.map((kind) => kind.plural), ...statusOf(readable), ...actionsOf(readable, 'get')], verbs: READ },
    { apiGroups: [API_GROUP], resources: [NETWORK_STATE], verbs: ['get'] },
    { apiGroups: [''], resources: ['namespaces', 'events'], verbs: READ },
  ];
}

/**
 * edit: view, plus writing every Kastra kind and network state, and running them (execute, generate, resume). Secrets
 * can be written, never read: Kastra's edit may not read a Secret (Kubernetes' may), so what an
 * editor writes cannot use a credential it was not given.
 */
function editRules(): PolicyRule[] {
  const kinds = kastraKinds();
  return [
    ...viewRules(),
    { apiGroups: [API_GROUP], resources: kinds.map((kind) => kind.plural), verbs: WRITE },
    { apiGroups: [API_GROUP], resources: actionsOf(kinds, 'create'), verbs: ['create'] },
    { apiGroups: [API_GROUP], resources: [NETWORK_STATE], verbs: ['patch'] },
  ];
}

/** admin: edit, plus reading Secrets and managing Roles and RoleBindings within a namespace (bound by RoleBindings). */
function adminRules(): PolicyRule[] {
  return [
    ...editRules(),
    { apiGroups: [API_GROUP], resources: ['secrets'], verbs: READ },
    { apiGroups: [RBAC_GROUP], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
    { apiGroups: [AUTHORIZATION_GROUP], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
  ];
}

/**
 * The built-in ClusterRoles and ClusterRoleBindings, with Kubernetes' names and meaning over
 * Kastra's kinds: cluster-admin (everything; bound to system:masters), admin, edit, view (to be
 * bound per namespace), and discovery and self-reviews for every authenticated principal.
 * Computed from the kind registry, so kinds added to it are covered.
 */
export function bootstrapPolicy(): RbacObject[] {
  return [
    clusterRole(CLUSTER_ADMIN, [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    clusterRole('admin', adminRules()),
    clusterRole('edit', editRules()),
    clusterRole('view', viewRules()),
    clusterRole('system:discovery', [
      { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] },
    ]),
    clusterRole('system:basic-user', [
      { apiGroups: [AUTHORIZATION_GROUP], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: [AUTHENTICATION_GROUP], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    groupBinding(CLUSTER_ADMIN, CLUSTER_ADMIN, SYSTEM_MASTERS_GROUP),
    groupBinding('system:discovery', 'system:discovery', SYSTEM_AUTHENTICATED_GROUP),
    groupBinding('system:basic-user', 'system:basic-user', SYSTEM_AUTHENTICATED_GROUP),
  ];
}
