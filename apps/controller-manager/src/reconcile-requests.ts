import { API_GROUP_VERSION, type Resource, type ResourceKey } from '@kastra/api';
import type { RecordedEvent } from '@kastra/event-store';
import { keyOfResourceStream, type ResourceStore } from '@kastra/resource-store';

/**
 * The keys to reconcile because of one resource event (never the event itself: level-based).
 * - the object, unless the event is its own status write (that would loop) or its deletion;
 * - every object referring to it (an Agent's readiness follows its LLM's status and existence);
 * - its controller owner (a System follows its children);
 * - on deletion, the objects it owned, which then find their owner gone and are collected.
 */
export async function reconcileRequestsFor(event: RecordedEvent, store: ResourceStore): Promise<ResourceKey[]> {
  const key = keyOfResourceStream(event.streamId);
  if (!key) return [];
  const object = (event.data as { object?: Resource }).object;
  const requests: ResourceKey[] = [];
  if (event.type !== 'ResourceStatusUpdated' && event.type !== 'ResourceDeleted') requests.push(key);
  requests.push(...(await store.referrers(key)));
  const owner = object?.metadata.ownerReferences?.find((ref) => ref.controller && ref.apiVersion === API_GROUP_VERSION);
  if (owner) requests.push({ kind: owner.kind, namespace: key.namespace, name: owner.name });
  if (event.type === 'ResourceDeleted' && object?.metadata.uid) requests.push(...(await store.ownedBy(object.metadata.uid)));
  return requests;
}
