import { API_GROUP_VERSION, BadRequestError, findKindByName, NotFoundError, type KindDefinition, type Resource, findKindByPlural } from '@kastra/api';

/** The kind served at a REST plural; unknown plurals are a 404 as on the apiserver. */
export function kindOfPlural(plural: string): KindDefinition {
  const kind = findKindByPlural(plural);
  if (!kind) throw new NotFoundError(plural, '', 'the server could not find the requested resource');
  return kind;
}

/** Where a request writes: the URL's kind, namespace and (for PUT/PATCH) name. */
export interface ManifestTarget {
  kind: KindDefinition;
  namespace: string;
  name?: string;
}

/**
 * Checks that a body is an object of the URL's kind (apiVersion, kind, namespace and name agree
 * with the URL, 400 naming the mismatch as the apiserver does) and fills the namespace in from the
 * URL. Everything else (spec, labels, required fields) is the store's validation (422).
 */
export function manifestFor(body: Record<string, unknown>, target: ManifestTarget): Resource {
  const { apiVersion, kind } = body;
  if (apiVersion === undefined || apiVersion === '') throw new BadRequestError(`apiVersion is required: expected "${API_GROUP_VERSION}"`);
  if (kind === undefined || kind === '') throw new BadRequestError(`kind is required: expected "${target.kind.kind}"`);
  if (apiVersion !== API_GROUP_VERSION) {
    throw new BadRequestError(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${API_GROUP_VERSION})`);
  }
  if (kind !== target.kind.kind) {
    const known = typeof kind === 'string' ? findKindByName(kind) : undefined;
    throw new BadRequestError(
      known
        ? `the kind in the data (${kind}) does not match the kind of the URL (${target.kind.kind}): send it to /apis/${API_GROUP_VERSION}/namespaces/${target.namespace}/${known.plural}`
        : `the kind in the data (${String(kind)}) is not a kind of ${API_GROUP_VERSION} (expected ${target.kind.kind})`,
    );
  }
  const metadata = body.metadata === undefined ? {} : body.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new BadRequestError('metadata must be an object');
  const meta = metadata as Record<string, unknown>;
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== target.namespace) {
    throw new BadRequestError(`the namespace of the provided object (${String(meta.namespace)}) does not match the namespace sent on the request (${target.namespace})`);
  }
  if (target.name !== undefined) {
    if (meta.name !== undefined && meta.name !== '' && meta.name !== target.name) {
      throw new BadRequestError(`the name of the object (${String(meta.name)}) does not match the name on the URL (${target.name})`);
    }
    return { ...body, metadata: { ...meta, name: target.name, namespace: target.namespace } } as Resource;
  }
  return { ...body, metadata: { ...meta, namespace: target.namespace } } as Resource;
}
