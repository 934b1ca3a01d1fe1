import { BUILTIN_KINDS, InvalidError, pluginPrincipal, RBAC_GROUP, RBAC_VERSION, type Resource } from '@kastra/api';
import type { BindingObject, PolicyRule, RoleObject } from './policy-types';

/** Marks the ClusterRole and binding generated for a plugin, with the plugin's name. */
export const PLUGIN_LABEL = 'mastra.ai/plugin';

/** A kind a Plugin manifest says it owns (`spec.owns[]`). */
export interface OwnedKind {
  apiGroup: string;
  kind: string;
  plural: string;
}

const OBJECT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const STATUS_VERBS = ['get', 'update', 'patch'];

/** The kinds of a Plugin object's spec.owns (entries that are not objects are left out). */
export function ownedKindsOf(plugin: Pick<Resource, 'spec'>): OwnedKind[] {
  const owns = (plugin.spec as { owns?: unknown } | undefined)?.owns;
  return (Array.isArray(owns) ? owns : []).filter((entry): entry is OwnedKind => typeof entry === 'object' && entry !== null && typeof entry.plural === 'string');
}

/**
 * The rules a plugin's identity holds: every verb on the objects of the kinds it owns and on their
 * status, nothing else (discovery comes from system:authenticated). A plugin may own custom kinds
 * only: a manifest claiming a built-in kind (an LLM, a Secret, an RBAC kind...) is refused, so
 * installing a plugin can never hand out rights over Kastra's own objects.
 */
export function pluginRules(pluginName: string, owned: readonly OwnedKind[]): PolicyRule[] {
  const builtin = owned.filter((kind) => BUILTIN_KINDS.some((known) => known.group === kind.apiGroup && known.plural === kind.plural));
  if (builtin.length > 0) {
    throw new InvalidError('Plugin', pluginName, [
      { reason: 'FieldValueForbidden', field: 'spec.owns', message: `Forbidden: a plugin owns custom kinds only, not ${builtin.map((kind) => `${kind.plural}.${kind.apiGroup}`).join(', ')}` },
    ]);
  }
  const byGroup = new Map<string, string[]>();
  for (const kind of owned) byGroup.set(kind.apiGroup, [...(byGroup.get(kind.apiGroup) ?? []), kind.plural]);
  return [...byGroup].flatMap(([group, plurals]) => [
    { apiGroups: [group], resources: plurals, verbs: OBJECT_VERBS },
    { apiGroups: [group], resources: plurals.map((plural) => `${plural}/status`), verbs: STATUS_VERBS },
  ]);
}

/**
 * The ClusterRole `system:plugin:<name>` with the plugin's rules and the ClusterRoleBinding of the
 * same name granting it to the user `system:plugin:<name>`: what a plugin's token acts as.
 * Applied by whoever installs the plugin (an administrator, `npm start`), never derived by a
 * controller from any Plugin object someone wrote.
 */
export function pluginRbacObjects(pluginName: string, owned: readonly OwnedKind[]): [RoleObject & { apiVersion: string }, BindingObject & { apiVersion: string }] {
  const name = pluginPrincipal(pluginName);
  const metadata = { name, labels: { [PLUGIN_LABEL]: pluginName } };
  return [
    { apiVersion: `${RBAC_GROUP}/${RBAC_VERSION}`, kind: 'ClusterRole', metadata, rules: pluginRules(pluginName, owned) },
    {
      apiVersion: `${RBAC_GROUP}/${RBAC_VERSION}`,
      kind: 'ClusterRoleBinding',
      metadata,
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', apiGroup: RBAC_GROUP, name }],
    },
  ];
}
