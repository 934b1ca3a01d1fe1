import { keyOf, type Resource } from '@kastra/api';
import type { EmbeddedResourceStore } from './embedded-resource-store';
import { embeddedKindReconcilers, sameJson, statusFor, type KindReconciler } from './kind-reconcilers';

/** Passes over every object after a change; each pass lets a status change reach the objects that refer to it. */
const MAX_PASSES = 20;

/**
 * Sets the status and conditions of every built-in object of the store as the controller-manager
 * would, and keeps doing so until nothing changes: the controller-manager wakes an object's
 * referrers when it changes; here every object is looked at again after each change, which
 * reaches the same fixpoint for the handful of objects an application holds.
 */
export class EmbeddedReconciliation {
  private readonly byKind: Map<string, KindReconciler>;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly store: EmbeddedResourceStore, env: NodeJS.ProcessEnv) {
    this.byKind = new Map(embeddedKindReconcilers(store, env).map((reconciler) => [reconciler.kind, reconciler]));
  }

  handles(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /** Reconciles everything until stable; calls are serialized. */
  settle(): Promise<void> {
    const next = this.running.then(() => this.settleNow());
    this.running = next.catch(() => undefined);
    return next;
  }

  private async settleNow(): Promise<void> {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let changed = false;
      for (const resource of this.store.all()) {
        if (await this.reconcile(resource)) changed = true;
      }
      if (!changed) return;
    }
  }

  /** True when the status changed. */
  private async reconcile(resource: Resource): Promise<boolean> {
    const reconciler = this.byKind.get(resource.kind);
    if (!reconciler) return false;
    const current = this.store.getNow(keyOf(resource));
    if (!current) return false;
    const assessment = await reconciler.reconcile(current, { actor: 'system:embedded-runtime' });
    const status = statusFor(current, assessment);
    if (sameJson(status, current.status)) return false;
    await this.store.updateStatus(keyOf(current), status);
    return true;
  }
}
