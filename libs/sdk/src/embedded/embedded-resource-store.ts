import { randomUUID } from 'node:crypto';
import { ConflictError, findKindByName, formatKey, InvalidError, keyOf, NotFoundError, REDACTED_SECRET_VALUE, validateResource, type Resource, type ResourceKey, type ResourceStatus } from '@kastra/api';

export type StoreChange = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Resource };

/**
 * Where the store's writes are kept beyond this process (the Postgres resource store of the
 * services). It sets the server fields (uid, generation, resourceVersion, creationTimestamp) and
 * answers the object as stored; Secret values may come back redacted — the store keeps its own.
 */
export interface ResourcePersistence {
  /** Every object kept, Secrets with their values in clear (base64 `data`). */
  load(): Promise<Resource[]>;
  create(resource: Resource): Promise<Resource>;
  update(resource: Resource): Promise<Resource>;
  updateStatus(key: ResourceKey, status: ResourceStatus, expectedResourceVersion?: string): Promise<Resource>;
  delete(key: ResourceKey): Promise<void>;
  /** Whether objects of this kind are kept (the app's own kinds are not). */
  keeps(kind: string): boolean;
}

/**
 * The embedded runtime's resources, in this process: what the gateway's resource store keeps in
 * Postgres, with the same server-set fields — `uid` per incarnation, `generation` bumped only by a
 * spec change, `resourceVersion` a counter, `creationTimestamp` — so the controller-manager's
 * reconcilers judge these objects exactly as they judge the cluster's. It offers the reads those
 * reconcilers and the agent runtime use (get, list, revealSecretValue); every change is reported
 * to `onChange`.
 */
export class EmbeddedResourceStore {
  private readonly objects = new Map<string, Resource>();
  private version = 0;
  /** Writes to the persistence one after another, so the objects here follow the order they are stored in. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly onChange: (change: StoreChange) => void = () => undefined,
    private readonly persistence?: ResourcePersistence,
  ) {}

  /** Reads the objects kept by the persistence (none without one); call once, before any write. */
  async load(): Promise<void> {
    for (const object of (await this.persistence?.load()) ?? []) this.objects.set(formatKey(keyOf(object)), object);
  }

  async get(key: ResourceKey): Promise<Resource | undefined> {
    return this.getNow(key);
  }

  getNow(key: ResourceKey): Resource | undefined {
    return this.objects.get(formatKey(key));
  }

  async list(query: { kind: string; namespace?: string }): Promise<{ items: Resource[]; resourceVersion: string }> {
    return { items: this.listNow(query.kind, query.namespace), resourceVersion: String(this.version) };
  }

  listNow(kind: string, namespace?: string): Resource[] {
    return [...this.objects.values()]
      .filter((item) => item.kind === kind && (namespace === undefined || item.metadata.namespace === namespace))
      .sort((a, b) => formatKey(keyOf(a)).localeCompare(formatKey(keyOf(b))));
  }

  all(): Resource[] {
    return [...this.objects.values()];
  }

  /**
   * Creates or updates the object as a server-side apply would: spec, labels and annotations from
   * `resource`; status kept; generation bumped when the spec (or a Secret's data) changed. Returns
   * the stored object and whether anything changed.
   */
  apply(resource: Resource): Promise<{ object: Resource; changed: boolean }> {
    return this.serialized(async () => {
      const result = this.applyInMemory(resource);
      if (!result.changed || !this.kept(result.object)) return this.commit(result, result.type);
      const saved = result.type === 'ADDED' ? await this.persistence!.create(forPersistence(result.object)) : await this.persistence!.update(forPersistence(result.object));
      return this.commit({ object: withClearSecret(saved, result.object), changed: true }, result.type);
    });
  }

  private applyInMemory(resource: Resource): { object: Resource; changed: boolean; type?: 'ADDED' | 'MODIFIED' } {
    const key = keyOf(resource);
    const current = this.getNow(key);
    const body = normalizeSecret(resource);
    if (current) {
      const specChanged = JSON.stringify(bodyOf(current)) !== JSON.stringify(bodyOf(body));
      const metaChanged = (['labels', 'annotations', 'ownerReferences'] as const).some(
        (field) => JSON.stringify(current.metadata[field] ?? null) !== JSON.stringify(body.metadata[field] ?? null),
      );
      if (!specChanged && !metaChanged) return { object: current, changed: false };
      const next: Resource = {
        ...body,
        metadata: {
          ...body.metadata,
          namespace: key.namespace,
          uid: current.metadata.uid,
          creationTimestamp: current.metadata.creationTimestamp,
          generation: (current.metadata.generation ?? 1) + (specChanged ? 1 : 0),
          resourceVersion: String(++this.version),
        },
        ...(current.status ? { status: current.status } : {}),
      };
      delete (next as { stringData?: unknown }).stringData;
      return { object: next, changed: true, type: 'MODIFIED' };
    }
    const created: Resource = {
      ...body,
      metadata: {
        ...body.metadata,
        namespace: key.namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString(),
        generation: 1,
        resourceVersion: String(++this.version),
      },
    };
    delete (created as { status?: unknown }).status;
    return { object: created, changed: true, type: 'ADDED' };
  }

  private commit(result: { object: Resource; changed: boolean }, type: 'ADDED' | 'MODIFIED' | undefined): { object: Resource; changed: boolean } {
    if (result.changed && type) this.store(result.object, type);
    return { object: result.object, changed: result.changed };
  }

  /** Replaces the status; with `expectedResourceVersion` the object must not have changed since it was read. */
  updateStatus(key: ResourceKey, status: ResourceStatus, _ctx?: unknown, expectedResourceVersion?: string): Promise<Resource> {
    return this.serialized(async () => {
      const current = this.getNow(key);
      if (!current) throw new NotFoundError(key.kind, key.name);
      if (expectedResourceVersion !== undefined && current.metadata.resourceVersion !== expectedResourceVersion) throw new ConflictError(key.kind, key.name);
      let next: Resource = { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.version) }, status };
      if (this.kept(current)) next = withClearSecret(await this.persistence!.updateStatus(key, status, expectedResourceVersion), current);
      this.store(next, 'MODIFIED');
      return next;
    });
  }

  /**
   * Deletes the object and, as the garbage collector does, every object it owned (whose owner
   * references name its uid), recursively. Answers the object, or undefined when it was not there.
   */
  async delete(key: ResourceKey): Promise<Resource | undefined> {
    const current = await this.serialized(async () => {
      const found = this.getNow(key);
      if (!found) return undefined;
      if (this.kept(found)) await this.persistence!.delete(key);
      this.objects.delete(formatKey(key));
      this.onChange({ type: 'DELETED', object: redacted(found) });
      return found;
    });
    if (!current) return undefined;
    const uid = current.metadata.uid;
    for (const owned of this.all().filter((object) => uid && object.metadata.ownerReferences?.some((ref) => ref.uid === uid))) await this.delete(keyOf(owned));
    return current;
  }

  /**
   * Read-modify-write, as the controller-manager's System reconciler writes a System's children:
   * the object `mutate` returns is validated as the API server validates it (InvalidError) and
   * applied.
   */
  async patch(key: ResourceKey, mutate: (current: Resource | undefined) => Resource, _ctx?: unknown, options: { createIfMissing?: boolean } = {}): Promise<Resource> {
    const current = this.getNow(key);
    if (!current && !options.createIfMissing) throw new NotFoundError(findKindByName(key.kind)?.plural ?? key.kind, key.name);
    const next = mutate(current);
    const causes = validateResource(next);
    if (causes.length > 0) throw new InvalidError(findKindByName(key.kind)?.plural ?? key.kind, key.name, causes);
    return (await this.apply(next)).object;
  }

  /** The objects a controller owner reference ties to `uid`. */
  async ownedBy(uid: string): Promise<ResourceKey[]> {
    return this.all()
      .filter((object) => object.metadata.ownerReferences?.some((ref) => ref.uid === uid))
      .map(keyOf);
  }

  /** Who last wrote an object: nobody but the application, which has no principal here. */
  async lastWriter(): Promise<undefined> {
    return undefined;
  }

  /** A Secret's value in clear, for the Tools and LLMs of this process that use it. */
  async revealSecretValue(namespace: string, name: string, key: string): Promise<string | undefined> {
    return this.secretValueNow(namespace, name, key);
  }

  secretValueNow(namespace: string, name: string, key: string): string | undefined {
    const encoded = this.getNow({ kind: 'Secret', namespace, name })?.data?.[key];
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  }

  private kept(object: Resource): boolean {
    return this.persistence !== undefined && this.persistence.keeps(object.kind);
  }

  private serialized<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.catch(() => undefined);
    return result;
  }

  private store(object: Resource, type: 'ADDED' | 'MODIFIED'): void {
    this.objects.set(formatKey(keyOf(object)), object);
    this.onChange({ type, object: redacted(object) });
  }
}

/** What a change of bumps the generation: the spec, or a Secret's data. */
function bodyOf(resource: Resource): unknown {
  return resource.kind === 'Secret' ? { data: resource.data, type: resource.type } : resource.spec;
}

/** The object as a client sends it for create or update: no server fields, no status. */
function forPersistence(object: Resource): Resource {
  const { uid: _uid, resourceVersion: _rv, generation: _generation, creationTimestamp: _created, ...metadata } = object.metadata;
  const body: Resource = { ...object, metadata };
  delete (body as { status?: unknown }).status;
  return body;
}

/** The stored object with the Secret values this process holds (the persistence answers them redacted). */
function withClearSecret(saved: Resource, local: Resource): Resource {
  return saved.kind === 'Secret' ? { ...saved, data: local.data } : saved;
}

/** A Secret's `stringData` folded into `data` (base64), as the API server stores it. */
function normalizeSecret(resource: Resource): Resource {
  if (resource.kind !== 'Secret' || !resource.stringData) return resource;
  const data = { ...(resource.data ?? {}) };
  for (const [key, value] of Object.entries(resource.stringData)) data[key] = Buffer.from(value, 'utf8').toString('base64');
  const next = { ...resource, data };
  delete next.stringData;
  return next;
}

/** Secret values never leave the store in answers and events: as the gateway shows them. */
export function redacted(resource: Resource): Resource {
  if (resource.kind !== 'Secret' || !resource.data) return resource;
  return { ...resource, data: Object.fromEntries(Object.keys(resource.data).map((key) => [key, REDACTED_SECRET_VALUE])) };
}
