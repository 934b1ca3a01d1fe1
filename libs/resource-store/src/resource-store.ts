import type { Resource, ResourceKey, ResourceStatus } from '@kastra/api';

/** A writer's identity as recorded with its writes: the token's subject and groups. */
export interface WritingPrincipal {
  sub: string;
  groups: string[];
}

/** Who asked, carried into event metadata. */
export interface WriteContext {
  /** `user:NAME` or `system:controller-manager`. */
  actor: string;
  /**
   * The authenticated principal behind the write, kept in the event metadata and (for spec and
   * metadata writes) as the object's last writer. System writers without one are recorded as
   * their actor with no groups, which RBAC grants nothing.
   */
  principal?: WritingPrincipal;
  /** `?dryRun=All`: validate and compute the result, store nothing. */
  dryRun?: boolean;
  correlationId?: string;
  causationId?: string;
  /** W3C traceparent of the request, kept in event metadata. */
  traceparent?: string;
}

export interface ListQuery {
  kind: string;
  /** Omit for all namespaces. */
  namespace?: string;
  /** Kubernetes label selector: `a=b,c!=d,e in (f,g),!h,i`. */
  labelSelector?: string;
  /** Only `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`), as kubectl uses them. */
  fieldSelector?: string;
  /** At most this many items (after the selectors); 0 or absent: all. Lists only. */
  limit?: number;
  /** The `continue` token of the previous page (list-continue-token.ts). Lists only. */
  continue?: string;
}

export interface ResourceList {
  items: Resource[];
  /** The log position the list was read at: a watch from here misses nothing. */
  resourceVersion: string;
  /** Set when a `limit` left items out: the token of the next page. */
  continue?: string;
  /** With `continue`, when no selector was given: how many items the next pages hold. */
  remainingItemCount?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: Resource;
}

export interface DeleteOptions {
  /** Precondition: delete only this version. */
  resourceVersion?: string;
  /** Precondition: delete only this incarnation. */
  uid?: string;
}

export interface DeleteResult {
  /** The object as it was removed, or as it now is while finalizers run. */
  object: Resource;
  /** True when finalizers remain: the object got a deletionTimestamp and still exists. */
  pending: boolean;
}

/**
 * The resource API over the event log: every write appends an event to the resource's stream
 * (optimistic concurrency on its version) and updates the `resources` projection in the same
 * transaction; reads come from the projection. Errors are the typed errors of `@kastra/api`
 * (NotFoundError, AlreadyExistsError, ConflictError, InvalidError).
 */
export interface ResourceStore {
  get(key: ResourceKey): Promise<Resource | undefined>;
  list(query: ListQuery): Promise<ResourceList>;
  /** Validates, sets server fields (uid, generation 1, creationTimestamp, resourceVersion). */
  create(resource: Resource, ctx: WriteContext): Promise<Resource>;
  /**
   * Replaces spec, metadata (labels, annotations, finalizers, ownerReferences) of an existing
   * object; `status` in the body is ignored. With `metadata.resourceVersion` set it must be
   * current (else ConflictError). `generation` bumps only when spec changes.
   */
  update(resource: Resource, ctx: WriteContext): Promise<Resource>;
  /**
   * Read-modify-write: `mutate` gets the current object and returns the desired one (full
   * object); retried on concurrent writes unless the returned object pins a resourceVersion.
   * `subresource: 'status'` replaces only status. Missing object → NotFoundError, unless
   * `createIfMissing` (server-side apply) in which case `mutate` gets undefined.
   */
  patch(
    key: ResourceKey,
    mutate: (current: Resource | undefined) => Resource,
    ctx: WriteContext,
    options?: { subresource?: 'status'; createIfMissing?: boolean },
  ): Promise<Resource>;
  /**
   * Replaces status only; with expectedResourceVersion set it must be current. `read`: the object
   * as the caller read it at expectedResourceVersion, unchanged — a store may decide on it
   * instead of reading it again (the write still fails with a conflict if it is not current).
   */
  updateStatus(key: ResourceKey, status: ResourceStatus, ctx: WriteContext, expectedResourceVersion?: string, read?: Resource): Promise<Resource>;
  /** Deletes, or marks for deletion when finalizers remain. */
  delete(key: ResourceKey, ctx: WriteContext, options?: DeleteOptions): Promise<DeleteResult>;
  /**
   * Watch events after `fromResourceVersion` (exclusive; `undefined` = the changes from now on;
   * `'0'` = the current objects as ADDED, then changes) until `signal` aborts. No change is sent
   * twice. `onStart` is called once the starting point is fixed, before any event: a change made
   * after it is seen.
   */
  watch(query: ListQuery, fromResourceVersion: string | undefined, signal: AbortSignal, onStart?: () => void): AsyncIterable<WatchEvent>;
  /**
   * Who last wrote the object's spec or metadata (status writes do not count), as recorded by the
   * server; undefined when the object does not exist. What decides whether the object may use a
   * Secret or reach a private address: the rights of its last writer, never of whoever runs it.
   */
  lastWriter(key: ResourceKey): Promise<WritingPrincipal | undefined>;
  /** Resources whose spec refers to `key` (e.g. the Agents using an LLM). */
  referrers(key: ResourceKey): Promise<ResourceKey[]>;
  /** Resources with an ownerReference to `uid`. */
  ownedBy(uid: string): Promise<ResourceKey[]>;
}
