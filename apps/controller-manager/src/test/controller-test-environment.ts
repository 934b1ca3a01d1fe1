import { findCondition, type Condition, type Resource, type ResourceKey } from '@kastra/api';
import { CoreTestEnvironmentHolder, createCoreTestEnvironment, eventually, type CoreTestEnvironment } from '@kastra/testing';
import { ControllerManager, type ControllerManagerOptions } from '../controller-manager';

export const userCtx = { actor: 'user:test' };

/**
 * A database, a NATS prefix, a resource store and the event relay of their own for one test file,
 * plus controller-manager instances started on demand; `close()` undoes all of it.
 */
export class ControllerTestEnvironment extends CoreTestEnvironmentHolder {
  private readonly managers: ControllerManager[] = [];

  private constructor(core: CoreTestEnvironment) {
    super(core);
  }

  static async create(label: string): Promise<ControllerTestEnvironment> {
    return new ControllerTestEnvironment(await createCoreTestEnvironment(label, { poolSize: 20 }));
  }

  async startManager(options: Partial<ControllerManagerOptions> = {}): Promise<ControllerManager> {
    const manager = new ControllerManager({ store: this.store, pool: this.pool, nc: this.nc, prefix: this.prefix, ...options });
    this.managers.push(manager);
    await manager.start();
    return manager;
  }

  /** Waits until the object's condition has the status (and its message passes `message`, if given). */
  waitForCondition(key: ResourceKey, type: string, status: Condition['status'], message?: RegExp | string, timeoutMs = 20_000): Promise<Resource> {
    return eventually(async () => {
      const resource = await this.store.get(key);
      const condition = findCondition(resource?.status?.conditions, type);
      if (!resource || condition?.status !== status) return undefined;
      if (message !== undefined && !(typeof message === 'string' ? condition.message.includes(message) : message.test(condition.message))) return undefined;
      return resource;
    }, timeoutMs);
  }

  async close(): Promise<void> {
    for (const manager of this.managers) await manager.stop().catch(() => undefined);
    await this.core.close();
  }
}

export function resource(kind: string, namespace: string, name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: 'mastra.ai/v1', kind, metadata: { name, namespace }, spec };
}
