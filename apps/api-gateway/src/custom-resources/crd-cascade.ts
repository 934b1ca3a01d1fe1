import { BadRequestError, CRD_KIND, NotFoundError, viewOf, type ResourceKey } from '@kastra/api';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';

/**
 * Deletes every object of the kind a CRD defines, in every namespace, before the CRD itself goes
 * (the apiserver's `customresourcecleanup` finalizer does the same). An object with finalizers
 * pending is left with its deletionTimestamp. A kind name another CRD owns (this one was never
 * accepted) is not this CRD's to clean up.
 */
export async function deleteObjectsOfCrd(store: ResourceStore, crdKey: ResourceKey, ctx: WriteContext): Promise<number> {
  const crd = await store.get(crdKey);
  if (!crd || crd.kind !== CRD_KIND) return 0;
  const accepted = crd.status?.conditions?.some((condition) => condition.type === 'NamesAccepted' && condition.status === 'True');
  if (!accepted) return 0;
  const { kind } = viewOf(crd);
  let deleted = 0;
  let items;
  try {
    ({ items } = await store.list({ kind }));
  } catch (error) {
    // The kind is no longer known to this process (its CRD was just deleted elsewhere): nothing to list.
    if (error instanceof NotFoundError || error instanceof BadRequestError) return 0;
    throw error;
  }
  for (const item of items) {
    try {
      await store.delete({ kind, namespace: item.metadata.namespace ?? '', name: item.metadata.name }, ctx, { uid: item.metadata.uid });
      deleted++;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return deleted;
}
