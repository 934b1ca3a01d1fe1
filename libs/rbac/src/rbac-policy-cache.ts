import type { Resource } from '@kastra/api';
import type { ResourceStore, WatchEvent } from '@kastra/resource-store';
import { bootstrapPolicy } from './bootstrap-policy';
import { isRbacKind, RBAC_KIND_NAMES, type RbacObject } from './policy-types';
import { RbacPolicy } from './rbac-policy';

/** How long a failed list or watch waits before it lists again. */
const RETRY_MS = 1000;

interface CacheLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * The RBAC policy of a resource store, in memory, kept current by a watch of each RBAC kind (an
 * informer): every request is authorized against it without a database round trip. Writes made
 * through this process are applied at once (`observe`) so a binding written here applies to the
 * next request; events never move an object back to an older resourceVersion.
 */
export class RbacPolicyCache {
  readonly policy = new RbacPolicy(bootstrapPolicy());
  private readonly versions = new Map<string, bigint>();
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly store: ResourceStore, private readonly logger?: CacheLogger) {}

  /** Lists every RBAC kind, then keeps watching; resolves once the first lists are in. */
  async start(): Promise<void> {
    const loaded = RBAC_KIND_NAMES.map((kind) => {
      let ready!: () => void;
      const listed = new Promise<void>((resolve) => (ready = resolve));
      this.loops.push(this.follow(kind, ready));
      return listed;
    });
    await Promise.all(loaded);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  /** Applies an object this process just wrote (or deleted) without waiting for its watch event. */
  observe(object: Resource, deleted = false): void {
    if (!isRbacKind(object.kind)) return;
    this.apply({ type: deleted ? 'DELETED' : 'MODIFIED', object });
  }

  private async follow(kind: RbacObject['kind'], ready: () => void): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const list = await this.store.list({ kind });
        const present = new Set(list.items.map(identity));
        for (const key of [...this.versions.keys()].filter((key) => key.startsWith(`${kind}/`) && !present.has(key))) {
          const [, namespace, ...name] = key.split('/');
          this.versions.delete(key);
          this.policy.remove(kind, namespace, name.join('/'));
        }
        for (const item of list.items) this.apply({ type: 'ADDED', object: item });
        ready();
        for await (const event of this.store.watch({ kind }, list.resourceVersion, this.abort.signal)) this.apply(event);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.logger?.warn({ kind, err: String(error) }, 'RBAC policy watch failed; listing again');
      }
      if (this.abort.signal.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RETRY_MS);
        this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  private apply(event: WatchEvent): void {
    const key = identity(event.object);
    const version = BigInt(event.object.metadata.resourceVersion ?? '0');
    const seen = this.versions.get(key);
    if (seen !== undefined && version <= seen) return;
    this.versions.set(key, version);
    const object = event.object as unknown as RbacObject;
    if (event.type === 'DELETED') this.policy.remove(object.kind, object.metadata.namespace ?? '', object.metadata.name);
    else this.policy.put(object);
  }
}

function identity(object: Resource): string {
  return `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
