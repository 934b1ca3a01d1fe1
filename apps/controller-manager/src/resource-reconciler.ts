import { API_GROUP_VERSION, ConflictError, findCondition, formatKey, NotFoundError, type Resource, type ResourceKey } from '@kastra/api';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { recheckDelay, sameJson, statusFor } from './assessment';
import type { KindReconciler } from './kind-reconciler';
import type { LoopOutcome } from '@kastra/controller-runtime';

/** The finalizer Kastra itself may put on objects; removed once the controller has cleaned up. */
export const CLEANUP_FINALIZER = 'mastra.ai/cleanup';

/**
 * Reconciles one key whatever its kind: collects it when its owners are gone, completes Kastra's
 * finalizer on deletion, runs the kind's reconciler and writes the resulting status only when it
 * changed (against the resourceVersion read, so a concurrent write is noticed and retried).
 */
export class ResourceReconciler {
  private readonly byKind: Map<string, KindReconciler>;

  constructor(
    private readonly store: ResourceStore,
    reconcilers: KindReconciler[],
    private readonly ctx: WriteContext,
    private readonly logger?: Logger,
  ) {
    this.byKind = new Map(reconcilers.map((reconciler) => [reconciler.kind, reconciler]));
  }

  async reconcile(key: ResourceKey): Promise<LoopOutcome> {
    const resource = await this.store.get(key);
    if (!resource) return {};
    if (await this.ownersGone(resource)) {
      await this.collect(key, resource);
      return {};
    }
    if (resource.metadata.deletionTimestamp) {
      await this.finalize(key, resource);
      return {};
    }
    const reconciler = this.byKind.get(key.kind);
    if (!reconciler) return {};
    // The object as read, kept aside from the kind's reconciler: the status write decides on it
    // without reading it again (it fails with a conflict if the object moved meanwhile).
    const read = structuredClone(resource);
    const assessment = await reconciler.reconcile(resource, this.ctx);
    const status = statusFor(resource, assessment);
    if (!sameJson(status, resource.status)) {
      try {
        await this.store.updateStatus(key, status, this.ctx, read.metadata.resourceVersion, read);
      } catch (error) {
        // Someone wrote in between: read again and decide on the new state, without backoff.
        if (error instanceof ConflictError) return { requeueAfterMs: 0, keepBackoff: true };
        if (error instanceof NotFoundError) return {};
        throw error;
      }
      this.logger?.info({ key: formatKey(key), phase: status.phase, reason: findCondition(status.conditions, 'Ready')?.reason }, 'status updated');
    }
    return { requeueAfterMs: recheckDelay(assessment) };
  }

  /** True when the object has Kastra owners and none of them exists any more (same name, same uid). */
  private async ownersGone(resource: Resource): Promise<boolean> {
    const owners = (resource.metadata.ownerReferences ?? []).filter((ref) => ref.apiVersion === API_GROUP_VERSION);
    if (owners.length === 0) return false;
    for (const ref of owners) {
      const owner = await this.store.get({ kind: ref.kind, namespace: resource.metadata.namespace ?? 'default', name: ref.name });
      if (owner && owner.metadata.uid === ref.uid) return false;
    }
    return true;
  }

  private async collect(key: ResourceKey, resource: Resource): Promise<void> {
    try {
      // The uid precondition keeps a re-created object of the same name safe.
      await this.store.delete(key, this.ctx, { uid: resource.metadata.uid });
      this.logger?.info({ key: formatKey(key), uid: resource.metadata.uid }, 'garbage-collected: owner no longer exists');
    } catch (error) {
      if (!(error instanceof NotFoundError) && !(error instanceof ConflictError)) throw error;
    }
  }

  private async finalize(key: ResourceKey, resource: Resource): Promise<void> {
    if (!resource.metadata.finalizers?.includes(CLEANUP_FINALIZER)) return;
    // Nothing outside the log holds Kastra objects yet, so cleanup is just letting go.
    await this.store.patch(
      key,
      (current) => {
        if (!current) throw new NotFoundError(key.kind, key.name);
        const finalizers = (current.metadata.finalizers ?? []).filter((name) => name !== CLEANUP_FINALIZER);
        return { ...current, metadata: { ...current.metadata, finalizers } };
      },
      this.ctx,
    ).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
  }
}
