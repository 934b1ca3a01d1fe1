/** The part of a resource the decision may look at (its kind, name, and who last wrote it once that is recorded). */
export interface EgressSubject {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
}

/**
 * Whether a resource may reach private addresses: true when whoever last wrote it holds the
 * `egress-private` permission (egressPrivateAttributes).
 */
export type PrivateEgressResolver = (resource: EgressSubject) => Promise<boolean>;

/** Every resource is confined to public addresses (and what KASTRA_EGRESS_ALLOW opens): the default everywhere. */
export const denyPrivateEgress: PrivateEgressResolver = async () => false;

/** RBAC request attributes, in the shape `@kastra/rbac` authorizes. */
export interface EgressPrivateAttributes {
  verb: 'use';
  apiGroup: 'mastra.ai';
  resource: 'egress';
  name: 'private';
  namespace?: string;
}

/**
 * The `egress-private` permission as RBAC attributes: verb `use` on resource `egress` named
 * `private` of group mastra.ai, in the resource's namespace. The rule `{apiGroups: [mastra.ai],
 * resources: [egress], resourceNames: [private], verbs: [use]}` grants it; cluster-admin holds it,
 * the built-in admin, edit and view do not.
 */
export function egressPrivateAttributes(namespace?: string): EgressPrivateAttributes {
  return { verb: 'use', apiGroup: 'mastra.ai', resource: 'egress', name: 'private', ...(namespace ? { namespace } : {}) };
}

/**
 * A resolver asking whether a resource's last writer holds `egress-private`. `mayLastWriter` is
 * `(key, attributes) => mayLastWriter(store, authorizer, key, attributes)` of `@kastra/rbac`; a
 * resource nobody is recorded to have written may not.
 */
export function privateEgressOfLastWriter(
  mayLastWriter: (key: { kind: string; namespace: string; name: string }, attributes: EgressPrivateAttributes) => Promise<boolean>,
): PrivateEgressResolver {
  return async (resource) => {
    const namespace = resource.metadata.namespace ?? 'default';
    return mayLastWriter({ kind: resource.kind, namespace, name: resource.metadata.name }, egressPrivateAttributes(namespace));
  };
}
