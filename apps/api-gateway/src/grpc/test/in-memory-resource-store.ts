import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  ConflictError,
  DEFAULT_NAMESPACE,
  findKindByName,
  formatKey,
  InvalidError,
  keyOf,
  NotFoundError,
  type Resource,
  type ResourceKey,
  type ResourceStatus,
  validateResource,
} from '@kastra/api';
import type {
  DeleteOptions,
  DeleteResult,
  ListQuery,
  ResourceList,
  ResourceStore,
  WatchEvent,
  WriteContext,
} from '@kastra/resource-store';

/**
 * A ResourceStore in memory for the gRPC tests: the same contract as the Postgres one (validation,
 * server fields, generation on spec change, resourceVersion preconditions, finalizers, watch from
 * a version) without a database. `writes` records each write's context to check actors.
 */
export class InMemoryResourceStore implements ResourceStore {
  private readonly objects = new Map<string, Resource>();
  private readonly log: { position: number; event: WatchEvent }[] = [];
  private readonly listeners = new Set<(position: number, event: WatchEvent) => void>();
  private position = 0;
  readonly writes: WriteContext[] = [];
  private readonly writers = new Map<string, { sub: string; groups: string[] }>();

  async get(key: ResourceKey): Promise<Resource | undefined> {
    const found = this.objects.get(formatKey(key));
    return found && structuredClone(found);
  }

  async list(query: ListQuery): Promise<ResourceList> {
    const items = [...this.objects.values()].filter((object) => matches(object, query)).map((object) => structuredClone(object));
    return { items, resourceVersion: String(this.position) };
  }

  async create(resource: Resource, ctx: WriteContext): Promise<Resource> {
    const key = keyOf(resource);
    if (this.objects.has(formatKey(key))) throw new AlreadyExistsError(plural(key.kind), key.name);
    const created: Resource = {
      ...structuredClone(resource),
      metadata: {
        ...resource.metadata,
        namespace: key.namespace,
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: new Date().toISOString(),
      },
    };
    delete created.status;
    validate(created);
    return this.commit(created, 'ADDED', ctx);
  }

  async update(resource: Resource, ctx: WriteContext): Promise<Resource> {
    const key = keyOf(resource);
    const current = this.objects.get(formatKey(key));
    if (!current) throw new NotFoundError(plural(key.kind), key.name);
    const pinned = resource.metadata.resourceVersion;
    if (pinned !== undefined && pinned !== current.metadata.resourceVersion) throw new ConflictError(plural(key.kind), key.name);
    const specChanged = JSON.stringify(resource.spec) !== JSON.stringify(current.spec) || JSON.stringify(resource.data) !== JSON.stringify(current.data);
    const updated: Resource = {
      ...structuredClone(resource),
      metadata: {
        ...resource.metadata,
        namespace: key.namespace,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        generation: (current.metadata.generation ?? 1) + (specChanged ? 1 : 0),
        ...(current.metadata.deletionTimestamp ? { deletionTimestamp: current.metadata.deletionTimestamp } : {}),
      },
      ...(current.status ? { status: current.status } : {}),
    };
    validate(updated);
    return this.commit(updated, 'MODIFIED', ctx);
  }

  async patch(
    key: ResourceKey,
    mutate: (current: Resource | undefined) => Resource,
    ctx: WriteContext,
    options: { subresource?: 'status'; createIfMissing?: boolean } = {},
  ): Promise<Resource> {
    const current = await this.get(key);
    if (!current && !options.createIfMissing) throw new NotFoundError(plural(key.kind), key.name);
    const desired = mutate(current);
    if (!current) return this.create(desired, ctx);
    if (options.subresource === 'status') return this.updateStatus(key, desired.status ?? {}, ctx);
    return this.update({ ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata.resourceVersion } }, ctx);
  }

  async updateStatus(key: ResourceKey, status: ResourceStatus, ctx: WriteContext, expectedResourceVersion?: string): Promise<Resource> {
    const current = this.objects.get(formatKey(key));
    if (!current) throw new NotFoundError(plural(key.kind), key.name);
    if (expectedResourceVersion !== undefined && expectedResourceVersion !== current.metadata.resourceVersion) {
      throw new ConflictError(plural(key.kind), key.name);
    }
    return this.commit({ ...structuredClone(current), status }, 'MODIFIED', ctx);
  }

  async delete(key: ResourceKey, ctx: WriteContext, options: DeleteOptions = {}): Promise<DeleteResult> {
    const current = this.objects.get(formatKey(key));
    if (!current) throw new NotFoundError(plural(key.kind), key.name);
    if (options.resourceVersion !== undefined && options.resourceVersion !== current.metadata.resourceVersion) {
      throw new ConflictError(plural(key.kind), key.name, `the resourceVersion in the precondition (${options.resourceVersion}) does not match the object's (${current.metadata.resourceVersion})`);
    }
    if ((current.metadata.finalizers ?? []).length > 0) {
      const marked = { ...structuredClone(current), metadata: { ...current.metadata, deletionTimestamp: new Date().toISOString() } };
      return { object: this.commit(marked, 'MODIFIED', ctx), pending: true };
    }
    return { object: this.commit(structuredClone(current), 'DELETED', ctx), pending: false };
  }

  async *watch(query: ListQuery, fromResourceVersion: string | undefined, signal: AbortSignal, onStart?: () => void): AsyncIterable<WatchEvent> {
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const listener = (_position: number, event: WatchEvent) => {
      if (matches(event.object, query)) queue.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.listeners.add(listener);
    signal.addEventListener('abort', onAbort);
    try {
      if (fromResourceVersion === '0') {
        for (const object of this.objects.values()) if (matches(object, query)) queue.push({ type: 'ADDED', object: structuredClone(object) });
      } else if (fromResourceVersion !== undefined) {
        const from = Number(fromResourceVersion);
        for (const entry of this.log) if (entry.position > from && matches(entry.event.object, query)) queue.push(entry.event);
      }
      onStart?.();
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async lastWriter(key: ResourceKey): Promise<{ sub: string; groups: string[] } | undefined> {
    if (!this.objects.has(formatKey(key))) return undefined;
    return this.writers.get(formatKey(key)) ?? { sub: 'unknown', groups: [] };
  }

  async referrers(): Promise<ResourceKey[]> {
    return [];
  }

  async ownedBy(uid: string): Promise<ResourceKey[]> {
    return [...this.objects.values()]
      .filter((object) => (object.metadata.ownerReferences ?? []).some((owner) => owner.uid === uid))
      .map((object) => keyOf(object));
  }

  /** How many watches are open (a cancelled gRPC watch must close its store watch). */
  get openWatches(): number {
    return this.listeners.size;
  }

  private commit(object: Resource, type: WatchEvent['type'], ctx: WriteContext): Resource {
    this.writes.push(ctx);
    if (ctx.dryRun) return object;
    this.position += 1;
    object.metadata.resourceVersion = String(this.position);
    const key = formatKey(keyOf(object));
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, object);
    if (ctx.principal && type !== 'DELETED') this.writers.set(key, ctx.principal);
    const event: WatchEvent = { type, object: structuredClone(object) };
    this.log.push({ position: this.position, event });
    for (const listener of this.listeners) listener(this.position, event);
    return structuredClone(object);
  }
}

function validate(object: Resource): void {
  const causes = validateResource(object);
  if (causes.length > 0) throw new InvalidError(object.kind, object.metadata.name, causes);
}

function plural(kind: string): string {
  return findKindByName(kind)?.plural ?? kind.toLowerCase();
}

/** Kind, namespace and `a=b` label pairs: what the gRPC tests select by. */
function matches(object: Resource, query: ListQuery): boolean {
  if (object.kind !== query.kind) return false;
  if (query.namespace !== undefined && (object.metadata.namespace ?? DEFAULT_NAMESPACE) !== query.namespace) return false;
  const labels = object.metadata.labels ?? {};
  for (const requirement of (query.labelSelector ?? '').split(',').filter((part) => part.trim() !== '')) {
    const [name, value] = requirement.split('=').map((part) => part.trim());
    if (labels[name] !== value) return false;
  }
  if (query.fieldSelector) {
    for (const requirement of query.fieldSelector.split(',')) {
      const [field, value] = requirement.split('=').map((part) => part.trim());
      if (field === 'metadata.name' && object.metadata.name !== value) return false;
      if (field === 'metadata.namespace' && (object.metadata.namespace ?? DEFAULT_NAMESPACE) !== value) return false;
    }
  }
  return true;
}
