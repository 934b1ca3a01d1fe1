import type { Metadata } from '@grpc/grpc-js';
import {
  API_GROUP_VERSION,
  BadRequestError,
  DEFAULT_NAMESPACE,
  type FieldCause,
  findKindByName,
  InvalidError,
  type KindDefinition,
  NotFoundError,
  pruneUnknownFields,
  type Resource,
  type ResourceKey,
} from '@kastra/api';
import type { JwtAuthority, Principal } from '@kastra/auth';
import {
  applyServerSide,
  type ListQuery,
  type ResourceList,
  type ResourceStore,
  type WatchEvent,
  type WriteContext,
} from '@kastra/resource-store';
import { parseManifestText } from './manifest-text';
import { authorizeKind, principalFromMetadata } from './grpc-principal';
import type { ApplyRequest, DeleteRequest, GetRequest, ListRequest, WatchRequest } from './resource-rpc-messages';

/** Field manager of an Apply that names none (kubectl uses `kubectl`). */
export const DEFAULT_GRPC_FIELD_MANAGER = 'kastra-grpc';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * What each ResourceService call does, free of grpc-js plumbing: authenticate, resolve the kind,
 * authorise, call the ResourceStore. Errors are the typed errors of @kastra/api; the transport
 * turns them into gRPC statuses.
 */
export class ResourceRpcHandlers {
  constructor(private readonly store: ResourceStore, private readonly authority: JwtAuthority) {}

  /** Server-side apply of one manifest: creates it, or merges it into the stored object. */
  async apply(request: ApplyRequest, metadata: Metadata): Promise<Resource> {
    const principal = principalFromMetadata(metadata, this.authority);
    const applied = parseManifestText(request.manifest);
    const key = appliedKey(applied);
    authorizeKind(principal, key.kind, 'apply');
    // ApplyRequest has no field validation option: Strict, REST's default (nothing dropped silently).
    const { unknownFields } = pruneUnknownFields(applied);
    if (unknownFields.length > 0) throw new InvalidError(key.kind, key.name, unknownFields);
    const fieldManager = request.field_manager.trim() || DEFAULT_GRPC_FIELD_MANAGER;
    const desired: Resource = { ...applied, metadata: { ...applied.metadata, namespace: key.namespace } };
    return this.store.patch(
      key,
      (current) => applyServerSide(current, desired, fieldManager),
      writeContext(principal, metadata, request.dry_run),
      { createIfMissing: true },
    );
  }

  async get(request: GetRequest, metadata: Metadata): Promise<Resource> {
    const principal = principalFromMetadata(metadata, this.authority);
    const kind = resolveKind(request.kind);
    authorizeKind(principal, kind.kind, 'get');
    const key = namedKey(kind, request.namespace, request.name);
    const found = await this.store.get(key);
    if (!found) throw new NotFoundError(kind.plural, key.name);
    return found;
  }

  async list(request: ListRequest, metadata: Metadata): Promise<ResourceList> {
    const principal = principalFromMetadata(metadata, this.authority);
    const kind = resolveKind(request.kind);
    authorizeKind(principal, kind.kind, 'list');
    return this.store.list(listQuery(kind, request.namespace, request.label_selector, request.field_selector));
  }

  /** The object as removed, or as it now is (deletionTimestamp set) while finalizers run. */
  async delete(request: DeleteRequest, metadata: Metadata): Promise<Resource> {
    const principal = principalFromMetadata(metadata, this.authority);
    const kind = resolveKind(request.kind);
    authorizeKind(principal, kind.kind, 'delete');
    const key = namedKey(kind, request.namespace, request.name);
    const resourceVersion = request.resource_version?.trim();
    const result = await this.store.delete(key, writeContext(principal, metadata, false), resourceVersion ? { resourceVersion } : {});
    return result.object;
  }

  /**
   * Checks the caller and the request before the first event, so a bad watch fails at once; the
   * events then flow until `signal` aborts (the client cancelled or the server stops). An empty
   * resource_version means "changes from now on"; "0" sends the current objects first. `onStart`
   * runs once the starting point is fixed. The store sends no change twice.
   */
  async watch(request: WatchRequest, metadata: Metadata, signal: AbortSignal, onStart?: () => void): Promise<AsyncIterable<WatchEvent>> {
    const principal = principalFromMetadata(metadata, this.authority);
    const kind = resolveKind(request.kind);
    authorizeKind(principal, kind.kind, 'watch');
    const query = listQuery(kind, request.namespace, request.label_selector, '');
    const requested = request.resource_version.trim();
    return this.store.watch(query, requested === '' ? undefined : requested, signal, onStart);
  }
}

/** A kind from its name, plural, singular or short name (any case). */
export function resolveKind(name: string): KindDefinition {
  const trimmed = name.trim();
  if (trimmed === '') throw new BadRequestError('kind is required: a kind name (LLM), plural (llms) or short name');
  const kind = findKindByName(trimmed);
  if (!kind) throw new BadRequestError(`the server does not serve a resource type "${trimmed}" in ${API_GROUP_VERSION}`);
  return kind;
}

function namedKey(kind: KindDefinition, namespace: string, name: string): ResourceKey {
  if (name.trim() === '') throw new BadRequestError(`name is required to address one ${kind.kind}`);
  return { kind: kind.kind, namespace: namespace.trim() || DEFAULT_NAMESPACE, name: name.trim() };
}

function listQuery(kind: KindDefinition, namespace: string, labelSelector: string, fieldSelector: string): ListQuery {
  return {
    kind: kind.kind,
    ...(namespace.trim() ? { namespace: namespace.trim() } : {}),
    ...(labelSelector.trim() ? { labelSelector: labelSelector.trim() } : {}),
    ...(fieldSelector.trim() ? { fieldSelector: fieldSelector.trim() } : {}),
  };
}

/**
 * The identity of an applied manifest. Only what addressing needs is checked here (all causes at
 * once); the full schema is validated by the store on the merged object.
 */
function appliedKey(applied: Resource): ResourceKey {
  const causes: FieldCause[] = [];
  const { apiVersion, kind, metadata } = applied as Partial<Record<'apiVersion' | 'kind' | 'metadata', unknown>>;
  if (apiVersion === undefined) causes.push({ reason: 'FieldValueRequired', field: 'apiVersion', message: `Required value: must be "${API_GROUP_VERSION}"` });
  else if (apiVersion !== API_GROUP_VERSION) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'apiVersion', message: `Unsupported value: ${JSON.stringify(apiVersion)}: must be "${API_GROUP_VERSION}"` });
  }
  const definition = typeof kind === 'string' ? findKindByName(kind) : undefined;
  if (kind === undefined || kind === '') causes.push({ reason: 'FieldValueRequired', field: 'kind', message: 'Required value' });
  else if (!definition || definition.kind !== kind) {
    const hint = definition ? `; did you mean "${definition.kind}"?` : '';
    causes.push({ reason: 'FieldValueNotSupported', field: 'kind', message: `Unsupported value: ${JSON.stringify(kind)}: not a kind of ${API_GROUP_VERSION}${hint}` });
  }
  const meta = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : undefined;
  if (!meta) causes.push({ reason: 'FieldValueRequired', field: 'metadata', message: 'Required value' });
  else {
    if (typeof meta.name !== 'string' || meta.name === '') causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name is required' });
    if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || meta.namespace === '')) {
      causes.push({ reason: 'FieldValueInvalid', field: 'metadata.namespace', message: 'Invalid value: must be a non-empty string' });
    }
  }
  const name = typeof meta?.name === 'string' ? meta.name : '';
  if (causes.length > 0) throw new InvalidError(typeof kind === 'string' && kind ? kind : 'Unknown', name, causes);
  return { kind: kind as string, namespace: (meta?.namespace as string | undefined) ?? DEFAULT_NAMESPACE, name };
}

function writeContext(principal: Principal, metadata: Metadata, dryRun: boolean): WriteContext {
  const [traceparent] = metadata.get('traceparent');
  return {
    actor: `user:${principal.sub}`,
    ...(dryRun ? { dryRun: true } : {}),
    ...(typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { traceparent } : {}),
  };
}
