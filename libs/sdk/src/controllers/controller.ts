import type { RuntimeResource } from '../resources/runtime-resource';
import type { ResourceStatus } from '../resources/resource-types.generated';

/** What the runtime gives a controller's reconcile besides the resource. */
export interface ControllerContext {
  /** Replaces the resource's status (kept in the runtime; watchers see MODIFIED). */
  updateStatus(status: ResourceStatus): Promise<void>;
  /** Another resource of the runtime (`name` as `namespace.name` or `name`). */
  getResource(kind: string, name: string): Promise<RuntimeResource | undefined>;
}

/**
 * The controller of one kind: `reconcile` gets the resource as it is now (level-based, never the
 * event that caused the call) and must be idempotent. `registerController(kind, controller)` makes
 * the runtime call it on every apply of that kind (and its deletion through `cleanup`).
 */
export interface Controller<T extends RuntimeResource = RuntimeResource> {
  /** Called once when registered (no resource), then with each resource of the kind as it is applied. */
  watch(resource?: T): void;
  reconcile(resource: T, context?: ControllerContext): Promise<void>;
  getDesiredState(resource: T): Promise<unknown>;
  getCurrentState(resource: T): Promise<unknown>;
  /** Called when a resource of the kind is deleted. */
  cleanup?(resource: T): Promise<void>;
}
