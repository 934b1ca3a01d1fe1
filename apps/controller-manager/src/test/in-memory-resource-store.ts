import { ConflictError, formatKey, keyOf, NotFoundError, type Resource, type ResourceKey, type ResourceStatus } from '@kastra/api';
import type { DeleteResult, ListQuery, ResourceList, ResourceStore, WatchEvent, WriteContext } from '@kastra/resource-store';

/** Just enough of a ResourceStore for unit tests of reconcilers: a map, versions, status writes counted. */
export class InMemoryResourceStore implements ResourceStore {
  readonly objects = new Map<string, Resource>();
  statusWrites = 0;
  private version = 0;
  private uid = 0;
  referrersOf = new Map<string, ResourceKey[]>();

  put(resource: Resource): Resource {
    const stored: Resource = {
      ...resource,
      metadata: {
        namespace: 'default',
        generation: 1,
        ...resource.metadata,
        uid: resource.metadata.uid ?? `uid-${++this.uid}`,
        resourceVersion: String(++this.version),
      },
    };
    this.objects.set(formatKey(keyOf(stored)), stored);
    return stored;
  }

  async get(key: ResourceKey): Promise<Resource | undefined> {
    return this.objects.get(formatKey(key));
  }

  async list(query: ListQuery): Promise<ResourceList> {
    const items = [...this.objects.values()].filter((item) => item.kind === query.kind && (!query.namespace || item.metadata.namespace === query.namespace));
    return { items, resourceVersion: String(this.version) };
  }

  async create(resource: Resource): Promise<Resource> {
    return this.put(resource);
  }

  async update(resource: Resource): Promise<Resource> {
    return this.put(resource);
  }

  async patch(key: ResourceKey, mutate: (current: Resource | undefined) => Resource, _ctx: WriteContext, options?: { createIfMissing?: boolean }): Promise<Resource> {
    const current = await this.get(key);
    if (!current && !options?.createIfMissing) throw new NotFoundError(key.kind, key.name);
    return this.put(mutate(current));
  }

  async updateStatus(key: ResourceKey, status: ResourceStatus, _ctx: WriteContext, expectedResourceVersion?: string): Promise<Resource> {
    const current = await this.get(key);
    if (!current) throw new NotFoundError(key.kind, key.name);
    if (expectedResourceVersion && current.metadata.resourceVersion !== expectedResourceVersion) throw new ConflictError(key.kind, key.name);
    this.statusWrites++;
    return this.put({ ...current, status });
  }

  async delete(key: ResourceKey): Promise<DeleteResult> {
    const current = await this.get(key);
    if (!current) throw new NotFoundError(key.kind, key.name);
    this.objects.delete(formatKey(key));
    return { object: current, pending: false };
  }

  // eslint-disable-next-line require-yield
  async *watch(): AsyncIterable<WatchEvent> {
    throw new Error('not used by the controllers');
  }

  async lastWriter(key: ResourceKey): Promise<{ sub: string; groups: string[] } | undefined> {
    return this.objects.has(formatKey(key)) ? { sub: 'unknown', groups: [] } : undefined;
  }

  async referrers(key: ResourceKey): Promise<ResourceKey[]> {
    return this.referrersOf.get(formatKey(key)) ?? [];
  }

  async ownedBy(uid: string): Promise<ResourceKey[]> {
    return [...this.objects.values()].filter((item) => item.metadata.ownerReferences?.some((ref) => ref.uid === uid)).map(keyOf);
  }
}
