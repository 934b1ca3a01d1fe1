import type { Resource, ResourceKey } from '@kastra/api';

/** Event types of a resource stream. */
export const ResourceEventType = {
  Created: 'ResourceCreated',
  Updated: 'ResourceUpdated',
  StatusUpdated: 'ResourceStatusUpdated',
  DeletionRequested: 'ResourceDeletionRequested',
  Deleted: 'ResourceDeleted',
} as const;
export type ResourceEventType = (typeof ResourceEventType)[keyof typeof ResourceEventType];

/** Every resource event carries the whole object after the change (Secret values encrypted). */
export interface ResourceEventData {
  object: Resource;
}

export const RESOURCE_CATEGORY = 'resource';

/**
 * `resource:<Kind>:<namespace>:<name>`; the namespace is '' for cluster-scoped kinds. Kinds and
 * namespaces never hold ':'; RBAC names may (`system:masters`), so the name is everything after.
 */
export function resourceStreamId(key: ResourceKey): string {
  return `${RESOURCE_CATEGORY}:${key.kind}:${key.namespace}:${key.name}`;
}

/** `resource:<Kind>:<namespace>:<name>` → its key; undefined for any other stream. */
export function keyOfResourceStream(streamId: string): ResourceKey | undefined {
  const parts = streamId.split(':');
  if (parts[0] !== RESOURCE_CATEGORY || parts.length < 4) return undefined;
  const [, kind, namespace, ...name] = parts;
  return { kind, namespace, name: name.join(':') };
}
