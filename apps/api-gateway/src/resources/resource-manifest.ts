import { apiVersionOf, BadRequestError, findKindByName, findKindByResource, NotFoundError, type KindDefinition, type Resource } from '@kastra/api';

/** The kind served at `/apis/{group}/{version}/…/{plural}`; unknown ones are a 404 as on the apiserver. */
export function kindOfResource(group: string, version: string, plural: string): KindDefinition {
  const kind = findKindByResource(group, version, plural);
  if (!kind) throw new NotFoundError(plural, '', 'the server could not find the requested resource');
  return kind;
}

/**
 * The kind of a path with a namespace (`namespaces/{ns}/{plural}`) or without one (`{plural}`):
 * namespaced kinds are addressed in a namespace (or listed across all), cluster-scoped ones never.
 */
export function kindInScope(group: string, version: string, plural: string, namespace: string | undefined, allNamespacesList = false): KindDefinition {
  const kind = kindOfResource(group, version, plural);
  const fits = namespace === undefined ? !kind.namespaced || allNamespacesList : kind.namespaced;
  if (!fits) throw new NotFoundError(plural, '', 'the server could not find the requested resource');
  return kind;
}

/** Where a request writes: the URL's kind, namespace (none for cluster-scoped kinds) and (for PUT/PATCH) name. */
export interface ManifestTarget {
  kind: KindDefinition;
  namespace?: string;
  name?: string;
}

/** Where objects of the target's kind are sent, for messages: `/apis/mastra.ai/v1/namespaces/ns/llms`. */
function collectionPath(kind: KindDefinition, namespace: string | undefined): string {
  return `/apis/${apiVersionOf(kind)}${kind.namespaced ? `/namespaces/${namespace ?? 'default'}` : ''}/${kind.plural}`;
}

/**
 * Checks that a body is an object of the URL's kind (apiVersion, kind, namespace and name agree
 * with the URL, 400 naming the mismatch as the apiserver does) and fills the namespace in from the
 * URL (a cluster-scoped object has none). Everything else is the store's validation (422).
 */
export function manifestFor(body: Record<string, unknown>, target: ManifestTarget): Resource {
  const { apiVersion, kind } = body;
  const expected = apiVersionOf(target.kind);
  if (apiVersion === undefined || apiVersion === '') throw new BadRequestError(`apiVersion is required: expected "${expected}"`);
  if (kind === undefined || kind === '') throw new BadRequestError(`kind is required: expected "${target.kind.kind}"`);
  if (apiVersion !== expected) {
    throw new BadRequestError(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (kind !== target.kind.kind) {
    const known = typeof kind === 'string' ? findKindByName(kind) : undefined;
    throw new BadRequestError(
      known
        ? `the kind in the data (${kind}) does not match the kind of the URL (${target.kind.kind}): send it to ${collectionPath(known, target.namespace)}`
        : `the kind in the data (${String(kind)}) is not a kind of ${expected} (expected ${target.kind.kind})`,
    );
  }
  const metadata = body.metadata === undefined ? {} : body.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new BadRequestError('metadata must be an object');
  const { namespace: sentNamespace, ...meta } = metadata as Record<string, unknown>;
  if (target.kind.namespaced && sentNamespace !== undefined && sentNamespace !== '' && sentNamespace !== target.namespace) {
    throw new BadRequestError(`the namespace of the provided object (${String(sentNamespace)}) does not match the namespace sent on the request (${target.namespace})`);
  }
  // A cluster-scoped object has no namespace: one sent is dropped, as the apiserver does.
  const scope = target.kind.namespaced ? { namespace: target.namespace } : {};
  if (target.name !== undefined) {
    if (meta.name !== undefined && meta.name !== '' && meta.name !== target.name) {
      throw new BadRequestError(`the name of the object (${String(meta.name)}) does not match the name on the URL (${target.name})`);
    }
    return { ...body, metadata: { ...meta, name: target.name, ...scope } } as Resource;
  }
  return { ...body, metadata: { ...meta, ...scope } } as Resource;
}
