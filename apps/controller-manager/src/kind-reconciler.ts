import type { Resource } from '@kastra/api';
import type { WriteContext } from '@kastra/resource-store';
import type { Assessment } from './assessment';

/**
 * The controller of one kind (the Controller of the plugin model: current state is read here, desired
 * state is what the spec says; the difference is acted on or reported). Level-based: it gets the
 * object as it is now, never the event that caused the call, and must be idempotent. It returns
 * what keeps the object from being Ready; the shared reconciler writes the status from that.
 * Throwing means "retry with backoff".
 */
export interface KindReconciler {
  readonly kind: string;
  reconcile(resource: Resource, ctx: WriteContext): Promise<Assessment>;
}
