import { CRD_KIND, setCustomResourceDefinitions, type Resource } from '@kastra/api';
import type { ResourceStore, WatchEvent } from './resource-store';

const RETRY_MS = 1000;

export interface CustomResourceDefinitionFollowerOptions {
  store: ResourceStore;
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
  /** Called after every change is registered, with the CRDs there are now (e.g. to write their conditions, or to requeue what waited for a kind). */
  onChange?: (crds: readonly Resource[]) => void;
}

/**
 * Registers the kinds of the CustomResourceDefinitions in the store in this process (the kind
 * registry, so validation, routes and lookups see them): lists them at start, then follows their
 * watch (the log's tail), so a new kind is known as soon as its CRD commits and a deleted one is
 * forgotten. A watch that fails is listed again after a second. Every process that handles
 * objects of custom kinds runs one (the gateway, the controller-manager).
 */
export class CustomResourceDefinitionFollower {
  private readonly crds = new Map<string, Resource>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly options: CustomResourceDefinitionFollowerOptions) {}

  /** Resolves once the CRDs there are have been listed and registered (or the follower was stopped). */
  async start(): Promise<void> {
    let ready!: () => void;
    const listed = new Promise<void>((resolve) => (ready = resolve));
    this.loop = this.follow(ready);
    await listed;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** A CRD this process just wrote or deleted, registered (or forgotten) before its watch event comes. */
  observe(object: Resource, deleted = false): void {
    if (object.kind !== CRD_KIND) return;
    this.apply({ type: deleted ? 'DELETED' : 'MODIFIED', object });
    this.register();
  }

  private async follow(ready: () => void): Promise<void> {
    const { store, logger } = this.options;
    while (!this.abort.signal.aborted) {
      try {
        const list = await store.list({ kind: CRD_KIND });
        this.crds.clear();
        for (const item of list.items) this.crds.set(item.metadata.name, item);
        this.register();
        ready();
        for await (const event of store.watch({ kind: CRD_KIND }, list.resourceVersion, this.abort.signal)) {
          this.apply(event);
          this.register();
        }
      } catch (error) {
        if (this.abort.signal.aborted) break;
        logger?.warn({ err: String(error) }, 'CustomResourceDefinition watch failed; listing again');
      }
      if (this.abort.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RETRY_MS);
        this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    ready();
  }

  private apply(event: WatchEvent): void {
    const name = event.object.metadata.name;
    const seen = this.crds.get(name);
    if (seen && BigInt(event.object.metadata.resourceVersion ?? '0') < BigInt(seen.metadata.resourceVersion ?? '0')) return;
    if (event.type === 'DELETED') this.crds.delete(name);
    else this.crds.set(name, event.object);
  }

  private register(): void {
    const crds = [...this.crds.values()];
    setCustomResourceDefinitions(crds);
    this.options.onChange?.(crds);
  }
}
