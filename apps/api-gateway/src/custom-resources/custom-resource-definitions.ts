import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConflictError, crdConditions, CRD_KIND, NotFoundError, setCustomResourceDefinitions, viewOf, type Condition, type Resource } from '@kastra/api';
import { RESOURCE_STORE, type ResourceStore, type WatchEvent, type WriteContext } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { GATEWAY_LOGGER } from '../gateway-logger';

const RETRY_MS = 1000;
const STATUS_WRITER: WriteContext = { actor: 'system:api-gateway', principal: { sub: 'system:api-gateway', groups: ['system:masters'] } };

/**
 * Serves the kinds of the CustomResourceDefinitions in the store: lists them at start, then
 * follows their watch (the log's tail, woken by LISTEN/NOTIFY), so every replica serves a new kind
 * as soon as its CRD commits, and stops serving a deleted one. A write through this replica is
 * applied at once (`observe`). Each replica also sets the CRDs' NamesAccepted and Established
 * conditions when they differ from what it serves; replicas racing on one write lose with a
 * conflict, which is fine: they all compute the same conditions.
 */
@Injectable()
export class CustomResourceDefinitions implements OnModuleInit, OnApplicationShutdown {
  private readonly crds = new Map<string, Resource>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    let ready!: () => void;
    const listed = new Promise<void>((resolve) => (ready = resolve));
    this.loop = this.follow(ready);
    await listed;
  }

  async onApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** A CRD this process just wrote or deleted, served (or no longer) before its watch event comes. */
  observe(object: Resource, deleted = false): void {
    if (object.kind !== CRD_KIND) return;
    this.apply({ type: deleted ? 'DELETED' : 'MODIFIED', object });
    this.serve();
  }

  private async follow(ready: () => void): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const list = await this.store.list({ kind: CRD_KIND });
        this.crds.clear();
        for (const item of list.items) this.crds.set(item.metadata.name, item);
        this.serve();
        ready();
        for await (const event of this.store.watch({ kind: CRD_KIND }, list.resourceVersion, this.abort.signal)) {
          this.apply(event);
          this.serve();
        }
      } catch (error) {
        if (this.abort.signal.aborted) break;
        this.logger.warn({ err: String(error) }, 'CustomResourceDefinition watch failed; listing again');
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

  private serve(): void {
    setCustomResourceDefinitions([...this.crds.values()]);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const crd of this.crds.values()) {
      if (crd.metadata.deletionTimestamp) continue;
      const wanted = crdConditions(crd.metadata.name, now);
      if (sameConditions(crd.status?.conditions ?? [], wanted) && sameJson(storedVersionsOf(crd), crd.status?.storedVersions)) continue;
      void this.writeConditions(crd, wanted);
    }
  }

  private async writeConditions(crd: Resource, conditions: Condition[]): Promise<void> {
    const previous = crd.status?.conditions ?? [];
    // A condition keeps its lastTransitionTime while its status stays.
    const merged = conditions.map((condition) => {
      const before = previous.find((c) => c.type === condition.type);
      return before && before.status === condition.status && before.lastTransitionTime ? { ...condition, lastTransitionTime: before.lastTransitionTime } : condition;
    });
    const accepted = merged.some((c) => c.type === 'NamesAccepted' && c.status === 'True');
    const names = (crd.spec as { names?: unknown } | undefined)?.names;
    try {
      await this.store.updateStatus(
        { kind: CRD_KIND, namespace: '', name: crd.metadata.name },
        { ...(crd.status ?? {}), conditions: merged, acceptedNames: accepted ? names : {}, storedVersions: storedVersionsOf(crd) },
        STATUS_WRITER,
        crd.metadata.resourceVersion,
      );
    } catch (error) {
      if (error instanceof ConflictError || error instanceof NotFoundError) return;
      this.logger.warn({ crd: crd.metadata.name, err: String(error) }, 'could not write the conditions of a CustomResourceDefinition');
    }
  }
}

/** Versions objects may have been stored in: those recorded before and the current storage version. */
function storedVersionsOf(crd: Resource): string[] {
  const before = Array.isArray(crd.status?.storedVersions) ? (crd.status.storedVersions as string[]) : [];
  const storage = viewOf(crd).versions.find((version) => version.storage)?.name;
  return [...new Set([...before, ...(storage ? [storage] : [])])];
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameConditions(have: readonly Condition[], want: readonly Condition[]): boolean {
  return want.every((w) => have.some((h) => h.type === w.type && h.status === w.status && h.reason === w.reason && h.message === w.message));
}
