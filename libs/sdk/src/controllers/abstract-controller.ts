import type { EventBus } from '../events/event-bus';
import type { RuntimeResource } from '../resources/runtime-resource';
import type { Controller, ControllerContext } from './controller';

/**
 * The base of custom controllers: `reconcile` compares the desired state with the current one,
 * lets `updateResourceState` act on the difference, and publishes `<kind>.reconciled` (with the
 * resource and the desired state) or, when anything throws, `<kind>.failed` (with the error) on
 * the event bus — the runtime does not retry a failed reconcile by itself; apply again to retry.
 */
export abstract class AbstractController<T extends RuntimeResource = RuntimeResource> implements Controller<T> {
  constructor(protected readonly eventBus: EventBus) {}

  watch(resource?: T): void {
    if (!resource) return;
    this.reconcile(resource).catch(() => undefined); // reconcile reports its failures itself
  }

  async reconcile(resource: T, context?: ControllerContext): Promise<void> {
    const topic = resource.kind.toLowerCase();
    try {
      const desiredState = await this.getDesiredState(resource);
      const currentState = await this.getCurrentState(resource);
      await this.updateResourceState(resource, desiredState, currentState, context);
      this.eventBus.publish(`${topic}.reconciled`, { resource, state: desiredState });
    } catch (error) {
      await this.handleReconcileFailure(resource, error);
    }
  }

  async cleanup(resource: T): Promise<void> {
    await this.cleanupResource(resource);
    this.eventBus.publish(`${resource.kind.toLowerCase()}.deleted`, { resource });
  }

  protected async handleReconcileFailure(resource: T, error: unknown): Promise<void> {
    this.eventBus.publish(`${resource.kind.toLowerCase()}.failed`, { resource, error });
  }

  abstract getDesiredState(resource: T): Promise<unknown>;
  abstract getCurrentState(resource: T): Promise<unknown>;
  protected abstract updateResourceState(resource: T, desiredState: unknown, currentState: unknown, context?: ControllerContext): Promise<void>;
  protected abstract cleanupResource(resource: T): Promise<void>;
}
