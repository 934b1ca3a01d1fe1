import type { Metadata } from '@grpc/grpc-js';
import {
  apiVersionOf,
  BadRequestError,
  DEFAULT_NAMESPACE,
  type FieldCause,
  findKindByName,
  findKindByPlural,
  InvalidError,
  KINDS,
  type KindDefinition,
  NotFoundError,
  pruneUnknownFields,
  type Resource,
  type ResourceKey,
} from '@kastra/api';
import type { JwtAuthority, Principal } from '@kastra/auth';
import { type AuthorizationAttributes, isRbacKind, type RbacAuthorizer, type RbacObject } from '@kastra/rbac';
import {
  applyServerSide,
  type ListQuery,
  type ResourceList,
  type ResourceStore,
  type WatchEvent,
  type WriteContext,
} from '@kastra/resource-store';
import { parseManifestText } from './manifest-text';
import { principalFromMetadata } from './grpc-principal';
import { toServed, toStored } from '../custom-resources/served-shape';
import type { ApplyRequest, DeleteRequest, GetRequest, ListRequest, WatchRequest } from './resource-rpc-messages';

/** Field manager of an Apply that names none (kubectl uses `kubectl`). */
export const DEFAULT_GRPC_FIELD_MANAGER = 'kastra-grpc';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** What RBAC needs to hear of the RBAC objects a call writes (the REST API's RbacWriteGuard). */
export interface RbacWriteHooks {
  observe(object: Resource, deleted?: boolean): void;
}

/**
 * What each ResourceService call does, free of grpc-js plumbing: authenticate, resolve the kind,
 * authorize through RBAC exactly as the same REST request would be, call the ResourceStore.
 * Errors are the typed errors of @kastra/api; the transport turns them into gRPC statuses.
 */
export class ResourceRpcHandlers {
  constructor(
    private readonly store: ResourceStore,
    private readonly authority: JwtAuthority,
    private readonly authorizer: RbacAuthorizer,
    private readonly rbacWrites?: RbacWriteHooks,
  ) {}

  /** Server-side apply of one manifest: creates it, or merges it into the stored object (a patch, and a create when new). */
  async apply(request: ApplyRequest, metadata: Metadata): Promise<Resource> {
    const principal = principalFromMetadata(metadata, this.authority);
    const applied = parseManifestText(request.manifest);
    const key = appliedKey(applied);
    const kind = servedKindOf(applied) ?? findKindByName(key.kind)!;
    this.authorize(principal, 'patch', kind, key.namespace, key.name);
    // ApplyRequest has no field validation option: Strict, REST's default (nothing dropped silently).
    const { unknownFields } = pruneUnknownFields(applied, kind);
    if (unknownFields.length > 0) throw new InvalidError(key.kind, key.name, unknownFields);
    const fieldManager = request.field_manager.trim() || DEFAULT_GRPC_FIELD_MANAGER;
    const { namespace: _sent, ...meta } = applied.metadata;
    const desired: Resource = { ...applied, metadata: { ...meta, ...(kind.namespaced ? { namespace: key.namespace } : {}) } };
    const ctx = writeContext(principal, metadata, request.dry_run);
    const written = await this.store.patch(
      key,
      (current) => {
        if (!current) this.authorize(principal, 'create', kind, key.namespace, key.name);
        // Merged in the shape it was sent in (a CRD as mastra.ai/v1alpha1), stored in the stored one.
        const next = applyServerSide(current && toServed(kind, current), desired, fieldManager);
        if (isRbacKind(next.kind)) this.authorizer.assertNoEscalation(principal, next as unknown as RbacObject, key.namespace);
        return toStored(kind, next);
      },
      ctx,
      { createIfMissing: true },
    );
    if (!ctx.dryRun) this.rbacWrites?.observe(written);
    return written;
  }

  async get(request: GetRequest, metadata: Metadata): Promise<Resource> {
    const principal = principalFromMetadata(metadata, this.authority);
    const kind = resolveKind(request.kind);
    const key = namedKey(kind, request.namespace, request.name);
    this.authorize(principal, 'get', kind, key.namespace, key.name);
    const found = await this.store.get(key);
    if (!found) throw new NotFoundError(kind.plural, key.name);
    return found;
  }

  async list(request: ListRequest, metadata: Metadata): Promise<ResourceList> {
    const principal = principalFromMetadata(metadata, this.authority);
    const kind = resolveKind(request.kind);
    const query = listQuery(kind, request.namespace, request.label_selector, request.field_selector);
    this.authorize(principal, 'list', kind, query.namespace ?? '');
    return this.store.list({ ...query, ...listPaging(request) });
  }

  /** The object as removed, or as it now is (deletionTimestamp set) while finalizers run. */
  async delete(request: DeleteRequest, metadata: Metadata): Promise<Resource> {
    const principal = principalFromMetadata(metadata, this.authority);
    const kind = resolveKind(request.kind);
    const key = namedKey(kind, request.namespace, request.name);
    this.authorize(principal, 'delete', kind, key.namespace, key.name);
    const resourceVersion = request.resource_version?.trim();
    const result = await this.store.delete(key, writeContext(principal, metadata, false), resourceVersion ? { resourceVersion } : {});
    this.rbacWrites?.observe(result.object, !result.pending);
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
    const query = listQuery(kind, request.namespace, request.label_selector, '');
    this.authorize(principal, 'watch', kind, query.namespace ?? '');
    const requested = request.resource_version.trim();
    return this.store.watch(query, requested === '' ? undefined : requested, signal, onStart);
  }

  /** The same attributes the REST request for this call is authorized with; throws the apiserver's 403. */
  private authorize(principal: Principal, verb: string, kind: KindDefinition, namespace: string, name?: string): void {
    const attributes: AuthorizationAttributes = { verb, apiGroup: kind.group, resource: kind.plural, namespace, ...(name ? { name } : {}) };
    this.authorizer.assertAllowed(principal, attributes);
  }
}

/** A kind from its name, plural, singular or short name (any case), in any served group. */
export function resolveKind(name: string): KindDefinition {
  const trimmed = name.trim();
  if (trimmed === '') throw new BadRequestError('kind is required: a kind name (LLM), plural (llms) or short name');
  const kind = findKindByName(trimmed) ?? findKindByPlural(trimmed.toLowerCase());
  if (!kind) throw new BadRequestError(`the server does not serve a resource type "${trimmed}"`);
  return kind;
}

function namedKey(kind: KindDefinition, namespace: string, name: string): ResourceKey {
  if (name.trim() === '') throw new BadRequestError(`name is required to address one ${kind.kind}`);
  return { kind: kind.kind, namespace: kind.namespaced ? namespace.trim() || DEFAULT_NAMESPACE : '', name: name.trim() };
}

function listQuery(kind: KindDefinition, namespace: string, labelSelector: string, fieldSelector: string): ListQuery {
  return {
    kind: kind.kind,
    ...(namespace.trim() && kind.namespaced ? { namespace: namespace.trim() } : {}),
    ...(labelSelector.trim() ? { labelSelector: labelSelector.trim() } : {}),
    ...(fieldSelector.trim() ? { fieldSelector: fieldSelector.trim() } : {}),
  };
}

/**
 * `limit` and `continue` of a List, as the REST list reads them (resources/list-paging.ts): 0 or
 * negative is no limit. The token is checked by the store (malformed or another list's: 400 →
 * INVALID_ARGUMENT; too old: 410 Expired → OUT_OF_RANGE). No resource_version travels beside it.
 */
export function listPaging(request: Pick<ListRequest, 'limit' | 'continue'>): Pick<ListQuery, 'limit' | 'continue'> {
  const text = String(request.limit ?? '').trim();
  if (text !== '' && !/^-?\d{1,19}$/.test(text)) throw new BadRequestError(`limit must be an integer, not "${text.slice(0, 40)}"`);
  const parsed = text === '' ? 0 : Number(text);
  const token = (request.continue ?? '').trim();
  return { ...(parsed > 0 ? { limit: Math.min(parsed, Number.MAX_SAFE_INTEGER) } : {}), ...(token ? { continue: token } : {}) };
}

/**
 * The identity of an applied manifest. Only what addressing needs is checked here (all causes at
 * once); the full schema is validated by the store on the merged object.
 */
/** The kind served under the manifest's own apiVersion (a kind may be served under several). */
function servedKindOf(applied: Resource): KindDefinition | undefined {
  return KINDS.find((kind) => kind.kind === applied.kind && apiVersionOf(kind) === applied.apiVersion);
}

function appliedKey(applied: Resource): ResourceKey {
  const causes: FieldCause[] = [];
  const { apiVersion, kind, metadata } = applied as Partial<Record<'apiVersion' | 'kind' | 'metadata', unknown>>;
  const definition = servedKindOf(applied) ?? (typeof kind === 'string' ? findKindByName(kind) : undefined);
  const expected = definition ? apiVersionOf(definition) : 'the apiVersion of the kind';
  if (apiVersion === undefined) causes.push({ reason: 'FieldValueRequired', field: 'apiVersion', message: `Required value: must be "${expected}"` });
  else if (definition && apiVersion !== expected) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'apiVersion', message: `Unsupported value: ${JSON.stringify(apiVersion)}: must be "${expected}"` });
  }
  if (kind === undefined || kind === '') causes.push({ reason: 'FieldValueRequired', field: 'kind', message: 'Required value' });
  else if (!definition || definition.kind !== kind) {
    const hint = definition ? `; did you mean "${definition.kind}"?` : '';
    causes.push({ reason: 'FieldValueNotSupported', field: 'kind', message: `Unsupported value: ${JSON.stringify(kind)}: not a kind the server serves${hint}` });
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
  const namespace = definition!.namespaced ? ((meta?.namespace as string | undefined) ?? DEFAULT_NAMESPACE) : '';
  return { kind: kind as string, namespace, name };
}

function writeContext(principal: Principal, metadata: Metadata, dryRun: boolean): WriteContext {
  const [traceparent] = metadata.get('traceparent');
  return {
    actor: `user:${principal.sub}`,
    principal: { sub: principal.sub, groups: principal.groups },
    ...(dryRun ? { dryRun: true } : {}),
    ...(typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { traceparent } : {}),
  };
}
