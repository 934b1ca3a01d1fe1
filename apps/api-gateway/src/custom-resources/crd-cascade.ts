import { BadRequestError, CRD_KIND, NotFoundError, viewOf, type Resource, type ResourceKey } from '@kastra/api';
import type { DeleteOptions, ResourceStore, WriteContext } from '@kastra/resource-store';

/**
 * The kind a CRD's objects are stored under, when the CRD was accepted (a kind name another CRD
 * owns is not its to clean up) and the delete's preconditions hold (else the delete is a 409 and
 * must not have taken the objects with it).
 */
export async function cascadeKindOf(store: ResourceStore, crdKey: ResourceKey, preconditions: DeleteOptions = {}): Promise<string | undefined> {
  const crd: Resource | undefined = await store.get(crdKey);
  if (!crd || crd.kind !== CRD_KIND) return undefined;
  if (preconditions.uid && preconditions.uid !== crd.metadata.uid) return undefined;
  if (preconditions.resourceVersion && preconditions.resourceVersion !== crd.metadata.resourceVersion) return undefined;
  const accepted = crd.status?.conditions?.some((condition) => condition.type === 'NamesAccepted' && condition.status === 'True');
  return accepted ? viewOf(crd).kind : undefined;
}

/**
 * Deletes every object of a CRD's kind, in every namespace (the apiserver's
 * `customresourcecleanup` finalizer does the same). The gateway runs it before deleting the CRD
 * and once more after, for objects another replica created meanwhile. An object with
 * finalizers pending is left with its deletionTimestamp.
 */
export async function deleteObjectsOfKind(store: ResourceStore, kind: string, ctx: WriteContext): Promise<number> {
  let items: Resource[];
  try {
    ({ items } = await store.list({ kind }));
  } catch (error) {
    // The kind is no longer known to this process: nothing of it is served.
    if (error instanceof NotFoundError || error instanceof BadRequestError) return 0;
    throw error;
  }
  let deleted = 0;
  for (const item of items) {
    if (item.metadata.deletionTimestamp) continue;
    try {
      await store.delete({ kind, namespace: item.metadata.namespace ?? '', name: item.metadata.name }, ctx, { uid: item.metadata.uid });
      deleted++;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return deleted;
}
