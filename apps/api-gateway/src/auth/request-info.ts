import type { AuthorizationAttributes } from '@kastra/rbac';

/** Namespace subresources that stay on the namespace itself (`/api/v1/namespaces/{ns}/status`). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const METHOD_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', GET: 'get', HEAD: 'get', DELETE: 'delete' };

/**
 * What a request asks to do, read from its method, path and query as the apiserver's
 * RequestInfoFactory reads them: `/apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]`
 * and `/api/v1/...` are resource requests (GET without a name lists, with `watch=true` watches, a
 * DELETE without a name deletes the collection); every other path is a non-resource request
 * whose verb is the lowercase method.
 */
export function requestAttributesOf(method: string, path: string, query: URLSearchParams): AuthorizationAttributes {
  const upper = method.toUpperCase();
  const nonResource = (): AuthorizationAttributes => ({ verb: upper.toLowerCase(), path });
  const parts = path.split('/').filter((part) => part !== '').map(safeDecode);
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1];
    rest = parts.slice(3);
  } else {
    return nonResource();
  }
  const verb = METHOD_VERBS[upper];
  if (!verb) return nonResource();

  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
  }
  const attributes: AuthorizationAttributes = { verb, apiGroup, resource: rest[0], namespace };
  if (rest.length >= 2) attributes.name = rest[1];
  if (rest.length >= 3) attributes.subresource = rest.slice(2).join('/');

  if (!attributes.name) {
    if (verb === 'get') attributes.verb = isWatch(query) ? 'watch' : 'list';
    if (verb === 'delete') attributes.verb = 'deletecollection';
    // A list or watch of one object by name is authorized for that name (kubectl get NAME -w).
    if (attributes.verb === 'list' || attributes.verb === 'watch' || attributes.verb === 'deletecollection') {
      const name = singleNameOf(query.get('fieldSelector'));
      if (name !== undefined) attributes.name = name;
    }
  }
  return attributes;
}

function isWatch(query: URLSearchParams): boolean {
  const watch = query.get('watch');
  return watch === 'true' || watch === '1';
}

/** `metadata.name=x` (or `==`) alone in a field selector. */
function singleNameOf(selector: string | null): string | undefined {
  if (!selector) return undefined;
  const terms = selector.split(',').filter((term) => term !== '');
  const named = terms.map((term) => /^metadata\.name==?(.*)$/.exec(term)?.[1]).filter((name) => name !== undefined);
  return named.length === 1 && terms.length >= 1 ? named[0] : undefined;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
