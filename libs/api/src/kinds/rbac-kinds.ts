import type { FieldCause } from '../api-errors';
import type { JsonSchema } from '../kind-definition';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import { asArray, asRecord, type BuiltinKind } from './builtin-kind';
import { ageColumn, objectMetaSchema, PRESERVE_UNKNOWN } from './resource-schema';

/** The group of Role, ClusterRole, RoleBinding and ClusterRoleBinding, as in Kubernetes. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_VERSION = 'v1';

const strings = (description: string): JsonSchema => ({ type: 'array', description, items: { type: 'string', description: 'A value.' } });

const policyRuleSchema: JsonSchema = {
  type: 'object',
  description: 'What a role allows: verbs on resources of API groups (optionally by name), or verbs on non-resource URLs.',
  required: ['verbs'],
  additionalProperties: false,
  properties: {
    apiGroups: strings('API groups of the resources ("" is the core group, mastra.ai Kastra\'s kinds, "*" all).'),
    resources: strings('Resources (plurals such as llms, "workflows/execute" for a subresource, "*" all, "*/status" a subresource of all).'),
    resourceNames: strings('Only objects of these names (none: all).'),
    verbs: strings('get, list, watch, create, update, patch, delete, deletecollection, bind, escalate, or "*".'),
    nonResourceURLs: strings('Paths such as /version or /apis/* (ClusterRoles only).'),
  },
};

const subjectSchema: JsonSchema = {
  type: 'object',
  description: 'Who a binding grants its role to.',
  required: ['kind', 'name'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', description: 'User, Group or ServiceAccount.' },
    apiGroup: { type: 'string', description: 'rbac.authorization.k8s.io for User and Group, "" for ServiceAccount.' },
    name: { type: 'string', description: 'The user name (a token\'s sub), group name, or service account name.' },
    namespace: { type: 'string', description: 'The namespace of a ServiceAccount.' },
  },
};

const roleRefSchema: JsonSchema = {
  type: 'object',
  description: 'The role granted; it cannot change once the binding exists.',
  required: ['apiGroup', 'kind', 'name'],
  additionalProperties: false,
  properties: {
    apiGroup: { type: 'string', description: 'Always rbac.authorization.k8s.io.' },
    kind: { type: 'string', description: 'Role or ClusterRole.' },
    name: { type: 'string', description: 'The name of the role.' },
  },
};

function objectSchema(kind: string, description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['apiVersion', 'kind', 'metadata', ...required],
    additionalProperties: false,
    properties: {
      apiVersion: { type: 'string', description: `Always ${RBAC_GROUP}/${RBAC_VERSION}.` },
      kind: { type: 'string', description: `Always ${kind}.` },
      metadata: objectMetaSchema,
      ...properties,
    },
  };
}

function invalid(at: FieldPathSegment[], message: string): FieldCause {
  return { reason: 'FieldValueInvalid', field: formatFieldPath(at), message: `Invalid value: ${message}` };
}

function required(at: FieldPathSegment[], message = 'Required value'): FieldCause {
  return { reason: 'FieldValueRequired', field: formatFieldPath(at), message };
}

/** The rules Kubernetes' validation adds to a PolicyRule's schema (ValidatePolicyRule). */
function ruleCauses(object: Record<string, unknown>, namespaced: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  asArray(object.rules).forEach((value, index) => {
    const rule = asRecord(value);
    if (!rule) return;
    const at: FieldPathSegment[] = ['rules', index];
    const count = (field: string) => asArray(rule[field]).length;
    if (count('verbs') === 0) causes.push(required([...at, 'verbs'], 'Required value: verbs must contain at least one value'));
    if (count('nonResourceURLs') > 0) {
      if (namespaced) causes.push(invalid([...at, 'nonResourceURLs'], 'namespaced rules cannot apply to non-resource URLs'));
      if (count('apiGroups') > 0 || count('resources') > 0) {
        causes.push(invalid([...at, 'nonResourceURLs'], 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (count('apiGroups') === 0) causes.push(required([...at, 'apiGroups'], 'Required value: resource rules must supply at least one api group'));
    if (count('resources') === 0) causes.push(required([...at, 'resources'], 'Required value: resource rules must supply at least one resource'));
  });
  return causes;
}

const SUBJECT_KINDS = ['User', 'Group', 'ServiceAccount'];

/** roleRef and subjects as ValidateRoleBinding / ValidateClusterRoleBinding check them. */
function bindingCauses(object: Record<string, unknown>, roleKinds: string[]): FieldCause[] {
  const causes: FieldCause[] = [];
  const roleRef = asRecord(object.roleRef);
  if (roleRef) {
    if (roleRef.apiGroup !== RBAC_GROUP) causes.push({ reason: 'FieldValueNotSupported', field: 'roleRef.apiGroup', message: `Unsupported value: ${JSON.stringify(roleRef.apiGroup)}: supported values: "${RBAC_GROUP}"` });
    if (typeof roleRef.kind === 'string' && !roleKinds.includes(roleRef.kind)) {
      causes.push({ reason: 'FieldValueNotSupported', field: 'roleRef.kind', message: `Unsupported value: ${JSON.stringify(roleRef.kind)}: supported values: ${roleKinds.map((k) => `"${k}"`).join(', ')}` });
    }
    if (roleRef.name === '') causes.push(required(['roleRef', 'name']));
  }
  asArray(object.subjects).forEach((value, index) => {
    const subject = asRecord(value);
    if (!subject) return;
    const at: FieldPathSegment[] = ['subjects', index];
    if (subject.name === '') causes.push(required([...at, 'name']));
    if (typeof subject.kind !== 'string') return;
    if (!SUBJECT_KINDS.includes(subject.kind)) {
      causes.push({ reason: 'FieldValueNotSupported', field: formatFieldPath([...at, 'kind']), message: `Unsupported value: ${JSON.stringify(subject.kind)}: supported values: "User", "Group", "ServiceAccount"` });
    } else if (subject.kind === 'ServiceAccount' && (subject.apiGroup ?? '') !== '') {
      causes.push({ reason: 'FieldValueNotSupported', field: formatFieldPath([...at, 'apiGroup']), message: `Unsupported value: ${JSON.stringify(subject.apiGroup)}: supported values: ""` });
    } else if (subject.kind !== 'ServiceAccount' && subject.apiGroup !== undefined && subject.apiGroup !== RBAC_GROUP) {
      causes.push({ reason: 'FieldValueNotSupported', field: formatFieldPath([...at, 'apiGroup']), message: `Unsupported value: ${JSON.stringify(subject.apiGroup)}: supported values: "${RBAC_GROUP}"` });
    }
  });
  return causes;
}

/** A binding's roleRef cannot change (Kubernetes: delete and re-create the binding instead). */
function roleRefUnchanged(current: Record<string, unknown>, next: Record<string, unknown>): FieldCause[] {
  return JSON.stringify(current.roleRef) === JSON.stringify(next.roleRef) ? [] : [invalid(['roleRef'], 'cannot change roleRef')];
}

const RBAC_PLACEMENT = { group: RBAC_GROUP, version: RBAC_VERSION, hasStatus: false, nameRule: 'path-segment' as const, categories: [] };
const noReferences = { rawReferences: () => [], references: () => [] };

const ROLE = 'A namespaced set of permissions; granted by RoleBindings in its namespace.';
const CLUSTER_ROLE = 'A cluster-wide set of permissions; granted cluster-wide by ClusterRoleBindings or in one namespace by RoleBindings.';
const ROLE_BINDING = 'Grants a Role or ClusterRole to users, groups or service accounts within its namespace.';
const CLUSTER_ROLE_BINDING = 'Grants a ClusterRole to users, groups or service accounts in every namespace.';

export const roleKind: BuiltinKind = {
  ...RBAC_PLACEMENT,
  ...noReferences,
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  shortNames: [],
  namespaced: true,
  bodyFields: ['rules'],
  description: ROLE,
  schema: objectSchema('Role', ROLE, { rules: { type: 'array', description: 'The permissions.', items: policyRuleSchema } }),
  printerColumns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Creation time.' }],
  specCauses: (object) => ruleCauses(object, true),
};

export const clusterRoleKind: BuiltinKind = {
  ...RBAC_PLACEMENT,
  ...noReferences,
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  shortNames: [],
  namespaced: false,
  bodyFields: ['rules', 'aggregationRule'],
  description: CLUSTER_ROLE,
  schema: objectSchema('ClusterRole', CLUSTER_ROLE, {
    rules: { type: 'array', description: 'The permissions.', items: policyRuleSchema },
    aggregationRule: { type: 'object', description: 'Accepted for compatibility; Kastra does not aggregate roles.', [PRESERVE_UNKNOWN]: true },
  }),
  printerColumns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Creation time.' }],
  specCauses: (object) => ruleCauses(object, false),
};

export const roleBindingKind: BuiltinKind = {
  ...RBAC_PLACEMENT,
  ...noReferences,
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  shortNames: [],
  namespaced: true,
  bodyFields: ['roleRef', 'subjects'],
  description: ROLE_BINDING,
  schema: objectSchema('RoleBinding', ROLE_BINDING, { roleRef: roleRefSchema, subjects: { type: 'array', description: 'Who gets the role.', items: subjectSchema } }, ['roleRef']),
  printerColumns: [
    { name: 'Role', type: 'string', jsonPath: '.roleRef.name', description: 'The role granted.' },
    ageColumn,
  ],
  specCauses: (object) => bindingCauses(object, ['Role', 'ClusterRole']),
  updateCauses: roleRefUnchanged,
};

export const clusterRoleBindingKind: BuiltinKind = {
  ...RBAC_PLACEMENT,
  ...noReferences,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  shortNames: [],
  namespaced: false,
  bodyFields: ['roleRef', 'subjects'],
  description: CLUSTER_ROLE_BINDING,
  schema: objectSchema('ClusterRoleBinding', CLUSTER_ROLE_BINDING, { roleRef: roleRefSchema, subjects: { type: 'array', description: 'Who gets the role.', items: subjectSchema } }, ['roleRef']),
  printerColumns: [
    { name: 'Role', type: 'string', jsonPath: '.roleRef.name', description: 'The ClusterRole granted.' },
    ageColumn,
  ],
  specCauses: (object) => bindingCauses(object, ['ClusterRole']),
  updateCauses: roleRefUnchanged,
};

export const RBAC_KINDS: readonly BuiltinKind[] = [roleKind, clusterRoleKind, roleBindingKind, clusterRoleBindingKind];
