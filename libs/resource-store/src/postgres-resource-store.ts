import type { Pool } from 'pg';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  InvalidError,
  NotFoundError,
  findKindByName,
  storedNamespace,
  ratchetCauses,
  validateResource,
  validateResourceUpdate,
  type KindDefinition,
  type Resource,
  type ResourceKey,
  type ResourceStatus,
} from '@kastra/api';
import { StreamVersionConflictError, type EventMetadata } from '@kastra/event-store';
import { resourceStreamId, ResourceEventType } from './resource-events';
import { writeResourceEvent, type ResourceWrite } from './resource-write-statement';
import { forCreate, forUpdate, kubernetesNow, sameJson } from './resource-normalization';
import { redactSecret, sealSecret, type ValueCipher } from './secret-data';
import type { DeleteOptions, DeleteResult, ListQuery, ResourceList, ResourceStore, WatchEvent, WriteContext, WritingPrincipal } from './resource-store';
import { watchResources } from './watch-resources';
import { listPage } from './list-page';
import type { EventNotifier } from '@kastra/event-store';

/** How often an unconditional write retries after losing a race with another writer. */
const MAX_WRITE_ATTEMPTS = 8;

const GET_SQL = `SELECT object, stream_version::int FROM kastra_resources WHERE kind = $1 AND namespace = $2 AND name = $3`;

interface Stored {
  object: Resource;
  streamVersion: number;
}

/** ResourceStore on the Postgres event log (see resource-store.ts for the contract). */
export class PostgresResourceStore implements ResourceStore {
  constructor(
    private readonly pool: Pool,
    private readonly cipher: ValueCipher,
    private readonly notifier: EventNotifier,
  ) {}

  async get(key: ResourceKey): Promise<Resource | undefined> {
    const stored = await this.load(this.pool, key);
    return stored && redactSecret(stored.object);
  }

  /** Paged by `limit` and `continue` as the apiserver pages (list-page.ts). */
  async list(query: ListQuery): Promise<ResourceList> {
    return listPage(this.pool, this.kindOf(query.kind), query);
  }

  async create(input: Resource, ctx: WriteContext): Promise<Resource> {
    const kind = this.kindOf(input.kind);
    if (input.metadata?.resourceVersion) {
      throw new BadRequestError('resourceVersion should not be set on objects to be created');
    }
    let object = forCreate(input, input.metadata?.namespace);
    this.validate(object);
    if (object.kind === 'Secret') object = sealSecret(object, undefined, this.cipher);
    const key = this.keyOf(object);
    if (ctx.dryRun) {
      if (await this.load(this.pool, key)) throw new AlreadyExistsError(kind.plural, key.name);
      return redactSecret(object);
    }
    try {
      // One statement: no object of that name may exist (see resource-write-statement.ts).
      return redactSecret(await this.append(key, ResourceEventType.Created, object, ctx, {}));
    } catch (error) {
      if (error instanceof StreamVersionConflictError) throw new AlreadyExistsError(kind.plural, key.name);
      throw error;
    }
  }

  async update(input: Resource, ctx: WriteContext): Promise<Resource> {
    const key = this.keyOf(input);
    return this.write(key, ctx, input.metadata?.resourceVersion, (current) => {
      if (input.metadata?.uid && input.metadata.uid !== current.metadata.uid) {
        throw new ConflictError(this.kindOf(key.kind).plural, key.name, `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      const next = forUpdate(current, input);
      this.validate(next, current);
      const changeCauses = validateResourceUpdate(current, next);
      if (changeCauses.length > 0) throw new InvalidError(current.kind, key.name, changeCauses);
      if (next.kind !== 'Secret') return { type: ResourceEventType.Updated, object: next };
      // Sealed before the generation is compared: an unchanged value keeps its ciphertext.
      return { type: ResourceEventType.Updated, object: forUpdate(current, sealSecret(input, current, this.cipher)) };
    });
  }

  async patch(
    key: ResourceKey,
    mutate: (current: Resource | undefined) => Resource,
    ctx: WriteContext,
    options: { subresource?: 'status'; createIfMissing?: boolean } = {},
  ): Promise<Resource> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(key);
      if (!current) {
        if (!options.createIfMissing || options.subresource) throw new NotFoundError(this.kindOf(key.kind).plural, key.name);
        const desired = mutate(undefined);
        try {
          return await this.create({ ...desired, metadata: { ...desired.metadata, namespace: key.namespace, name: key.name } }, ctx);
        } catch (error) {
          if (error instanceof AlreadyExistsError && attempt < MAX_WRITE_ATTEMPTS) continue;
          throw error;
        }
      }
      const desired = mutate(structuredClone(current));
      const pinned = desired.metadata?.resourceVersion && desired.metadata.resourceVersion !== current.metadata.resourceVersion ? desired.metadata.resourceVersion : undefined;
      const expected = pinned ?? current.metadata.resourceVersion;
      try {
        if (options.subresource === 'status') return await this.updateStatus(key, desired.status ?? {}, ctx, expected);
        return await this.update({ ...desired, metadata: { ...desired.metadata, name: key.name, namespace: key.namespace, resourceVersion: expected } }, ctx);
      } catch (error) {
        if (error instanceof ConflictError && !pinned && attempt < MAX_WRITE_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  async updateStatus(key: ResourceKey, status: ResourceStatus, ctx: WriteContext, expectedResourceVersion?: string, read?: Resource): Promise<Resource> {
    // The caller's object stands for the stored one only when it is that version, of that key, and
    // not a Secret (whose values reads redact).
    const known =
      read && expectedResourceVersion && read.metadata?.resourceVersion === expectedResourceVersion && read.kind === key.kind && read.kind !== 'Secret' &&
      read.metadata.name === key.name && storedNamespace(key.kind, read.metadata.namespace) === key.namespace
        ? read
        : undefined;
    return this.write(key, ctx, expectedResourceVersion, (current) => {
      const next: Resource = { ...current, status };
      const causes = validateResource(next).filter((c) => c.field.startsWith('status'));
      if (causes.length > 0) throw new InvalidError(current.kind, key.name, causes);
      return { type: ResourceEventType.StatusUpdated, object: next };
    }, known);
  }

  async delete(key: ResourceKey, ctx: WriteContext, options: DeleteOptions = {}): Promise<DeleteResult> {
    let pending = false;
    const object = await this.write(key, ctx, options.resourceVersion, (current) => {
      if (options.uid && options.uid !== current.metadata.uid) {
        throw new ConflictError(this.kindOf(key.kind).plural, key.name, `Precondition failed: UID in precondition: ${options.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      const deletionTimestamp = current.metadata.deletionTimestamp ?? kubernetesNow();
      const next: Resource = { ...current, metadata: { ...current.metadata, deletionTimestamp } };
      if (current.metadata.finalizers?.length) {
        pending = true;
        return current.metadata.deletionTimestamp ? 'unchanged' : { type: ResourceEventType.DeletionRequested, object: next };
      }
      return { type: ResourceEventType.Deleted, object: next };
    });
    return { object, pending };
  }

  watch(query: ListQuery, fromResourceVersion: string | undefined, signal: AbortSignal, onStart?: () => void): AsyncIterable<WatchEvent> {
    const normalized = { ...query, kind: this.kindOf(query.kind).kind };
    return watchResources({ pool: this.pool, notifier: this.notifier, store: this }, normalized, fromResourceVersion, signal, onStart);
  }

  async lastWriter(key: ResourceKey): Promise<WritingPrincipal | undefined> {
    const { rows } = await this.pool.query<{ last_writer: WritingPrincipal | null }>(
      'SELECT last_writer FROM kastra_resources WHERE kind = $1 AND namespace = $2 AND name = $3',
      [key.kind, key.namespace, key.name],
    );
    if (rows.length === 0) return undefined;
    // Rows written before writers were recorded have none: they count as written by nobody with rights.
    return rows[0].last_writer ?? { sub: 'unknown', groups: [] };
  }

  async referrers(key: ResourceKey): Promise<ResourceKey[]> {
    const { rows } = await this.pool.query<ResourceKey>(
      `SELECT DISTINCT from_kind AS kind, from_namespace AS namespace, from_name AS name FROM kastra_resource_references
       WHERE to_kind = $1 AND to_namespace = $2 AND to_name = $3`,
      [key.kind, key.namespace, key.name],
    );
    return rows;
  }

  async ownedBy(uid: string): Promise<ResourceKey[]> {
    const { rows } = await this.pool.query<ResourceKey>(`SELECT kind, namespace, name FROM kastra_resource_owners WHERE owner_uid = $1`, [uid]);
    return rows;
  }

  /** The clear value of one Secret key, for the services that use it (never for API answers). */
  async revealSecretValue(namespace: string, name: string, dataKey: string): Promise<string | undefined> {
    const stored = await this.load(this.pool, { kind: 'Secret', namespace, name });
    const sealed = stored?.object.data?.[dataKey];
    return sealed === undefined ? undefined : Buffer.from(this.cipher.decrypt(sealed), 'base64').toString('utf8');
  }

  /**
   * Read-modify-append with optimistic concurrency. With `expectedResourceVersion` a stale
   * version is a ConflictError; without it the write is retried against the newer object.
   */
  private async write(
    key: ResourceKey,
    ctx: WriteContext,
    expectedResourceVersion: string | undefined,
    decide: (current: Resource) => { type: string; object: Resource } | 'unchanged',
    known?: Resource,
  ): Promise<Resource> {
    const kind = this.kindOf(key.kind);
    for (let attempt = 1; ; attempt++) {
      // A known object (read by the caller at expectedResourceVersion) saves the read: the write's
      // precondition is then its resourceVersion instead of its stream version.
      const stored: { object: Resource; streamVersion?: number } | undefined = attempt === 1 && known ? { object: structuredClone(known) } : await this.load(this.pool, key);
      if (!stored) throw new NotFoundError(kind.plural, key.name);
      const current = stored.object;
      if (expectedResourceVersion && expectedResourceVersion !== current.metadata.resourceVersion) {
        throw new ConflictError(kind.plural, key.name);
      }
      const decision = decide(current);
      if (decision === 'unchanged' || (decision.type !== ResourceEventType.Deleted && sameStored(current, decision.object))) {
        return redactSecret(current);
      }
      let { type, object } = decision;
      // The last finalizer removed from an object being deleted: it goes now.
      if (type !== ResourceEventType.Deleted && object.metadata.deletionTimestamp && !object.metadata.finalizers?.length) {
        type = ResourceEventType.Deleted;
      }
      if (ctx.dryRun) return redactSecret(object);
      try {
        const precondition = stored.streamVersion === undefined ? { expectedResourceVersion: stored.object.metadata.resourceVersion } : { expectedStreamVersion: stored.streamVersion };
        return redactSecret(await this.append(key, type, object, ctx, precondition));
      } catch (error) {
        if (!(error instanceof StreamVersionConflictError)) throw error;
        if (expectedResourceVersion || attempt >= MAX_WRITE_ATTEMPTS) throw new ConflictError(kind.plural, key.name);
      }
    }
  }

  /** Appends the event and updates the read model in one round trip (resource-write-statement.ts). */
  private async append(
    key: ResourceKey,
    type: string,
    object: Resource,
    ctx: WriteContext,
    precondition: Pick<ResourceWrite, 'expectedStreamVersion' | 'expectedResourceVersion'>,
  ): Promise<Resource> {
    const stored = structuredClone(object);
    delete stored.metadata.resourceVersion;
    const metadata: EventMetadata = {
      actor: ctx.actor,
      ...(ctx.principal ? { principal: { sub: ctx.principal.sub, groups: [...ctx.principal.groups] } } : {}),
      ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
      ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
      ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    };
    const event = await writeResourceEvent(this.pool, { key, type, object: stored, metadata, ...precondition });
    // The event's object is ours (cloned above): served with its position, without another copy.
    stored.metadata.resourceVersion = event.globalPosition;
    return stored;
  }

  private async load(db: Pool, key: ResourceKey): Promise<Stored | undefined> {
    const { rows } = await db.query<{ object: Resource; stream_version: number }>(GET_SQL, [key.kind, key.namespace, key.name]);
    return rows[0] && { object: rows[0].object, streamVersion: rows[0].stream_version };
  }

  private kindOf(kindName: string): KindDefinition {
    const kind = findKindByName(kindName);
    if (!kind) throw new BadRequestError(`no kind "${kindName}" is registered`);
    return kind;
  }

  private keyOf(resource: Resource): ResourceKey {
    const kind = this.kindOf(resource.kind);
    const name = resource.metadata?.name;
    if (!name) throw new InvalidError(kind.kind, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name is required' }]);
    return { kind: kind.kind, namespace: storedNamespace(kind.kind, resource.metadata.namespace), name };
  }

  /** `current`: the object an update replaces (a custom kind's unchanged fields are not judged again). */
  private validate(object: Resource, current?: Resource): void {
    const causes = current ? ratchetCauses(validateResource(object), current, object) : validateResource(object);
    if (causes.length > 0) throw new InvalidError(object.kind, object.metadata?.name ?? '', causes);
  }
}

/** True when a write would not change what is stored (no event, like the apiserver's no-op update). */
function sameStored(current: Resource, next: Resource): boolean {
  const strip = (o: Resource) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return sameJson(strip(current), strip(next));
}
