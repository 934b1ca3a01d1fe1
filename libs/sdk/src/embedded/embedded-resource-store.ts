import { randomUUID } from 'node:crypto';
import { ConflictError, findKindByName, formatKey, InvalidError, keyOf, NotFoundError, REDACTED_SECRET_VALUE, validateResource, type Resource, type ResourceKey, type ResourceStatus } from '@kastra/api';

export type StoreChange = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Resource };

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

  constructor(private readonly onChange: (change: StoreChange) => void = () => undefined) {}

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
  apply(resource: Resource): { object: Resource; changed: boolean } {
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
      this.store(next, 'MODIFIED');
      return { object: next, changed: true };
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
    this.store(created, 'ADDED');
    return { object: created, changed: true };
  }

  /** Replaces the status; with `expectedResourceVersion` the object must not have changed since it was read. */
  async updateStatus(key: ResourceKey, status: ResourceStatus, _ctx?: unknown, expectedResourceVersion?: string): Promise<Resource> {
    const current = this.getNow(key);
    if (!current) throw new NotFoundError(key.kind, key.name);
    if (expectedResourceVersion !== undefined && current.metadata.resourceVersion !== expectedResourceVersion) throw new ConflictError(key.kind, key.name);
    const next: Resource = { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.version) }, status };
    this.store(next, 'MODIFIED');
    return next;
  }

  /**
   * Deletes the object and, as the garbage collector does, every object it owned (whose owner
   * references name its uid), recursively. Answers the object, or undefined when it was not there.
   */
  delete(key: ResourceKey): Resource | undefined {
    const current = this.getNow(key);
    if (!current) return undefined;
    this.objects.delete(formatKey(key));
    this.onChange({ type: 'DELETED', object: redacted(current) });
    const uid = current.metadata.uid;
    for (const owned of this.all().filter((object) => uid && object.metadata.ownerReferences?.some((ref) => ref.uid === uid))) this.delete(keyOf(owned));
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
    return this.apply(next).object;
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

  private store(object: Resource, type: 'ADDED' | 'MODIFIED'): void {
    this.objects.set(formatKey(keyOf(object)), object);
    this.onChange({ type, object: redacted(object) });
  }
}

/** What a change of bumps the generation: the spec, or a Secret's data. */
function bodyOf(resource: Resource): unknown {
  return resource.kind === 'Secret' ? { data: resource.data, type: resource.type } : resource.spec;
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
