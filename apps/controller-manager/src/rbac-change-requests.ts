import type { Resource, ResourceKey } from '@kastra/api';
import type { RecordedEvent } from '@kastra/event-store';
import { isRbacKind, type RbacPolicyCache } from '@kastra/rbac';
import { keyOfResourceStream, type ResourceStore } from '@kastra/resource-store';

/** The kinds whose readiness rests on their last writer's rights (Secrets they use, private egress). */
export const WRITER_RIGHTS_KINDS = ['Tool', 'LLM'] as const;

/**
 * A Role, ClusterRole or binding changed: it is applied to this process's policy at once (its
 * watch may not have delivered it yet), and every Tool and LLM is to be reconciled — the change
 * may grant or take away a right one of their last writers needed. Empty for other events.
 */
export async function rbacChangeRequests(event: RecordedEvent, store: Pick<ResourceStore, 'list'>, policy: Pick<RbacPolicyCache, 'observe'>): Promise<ResourceKey[]> {
  const key = keyOfResourceStream(event.streamId);
  if (!key || !isRbacKind(key.kind)) return [];
  const object = (event.data as { object?: Resource } | undefined)?.object;
  // Omitted from a message too large for NATS: the watch brings it.
  if (object) policy.observe({ ...object, metadata: { ...object.metadata, resourceVersion: event.globalPosition } }, event.type === 'ResourceDeleted');
  const requests: ResourceKey[] = [];
  for (const kind of WRITER_RIGHTS_KINDS) {
    for (const item of (await store.list({ kind })).items) requests.push({ kind, namespace: item.metadata.namespace ?? 'default', name: item.metadata.name });
  }
  return requests;
}
