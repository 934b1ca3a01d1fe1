/**
 * What a request asks to do, as the apiserver's authorizer sees it. A resource request names a
 * resource (and maybe a subresource, a namespace, a name); any other request is a non-resource
 * request on `path` (discovery, /version).
 */
export interface AuthorizationAttributes {
  verb: string;
  /** The API group of the resource: `mastra.ai`, `rbac.authorization.k8s.io`, '' for the core group. */
  apiGroup?: string;
  /** The resource (plural); absent for a non-resource request. */
  resource?: string;
  subresource?: string;
  /** Absent or '' for cluster-scoped resources and requests across all namespaces. */
  namespace?: string;
  /** Absent for lists and creates. */
  name?: string;
  /** The URL path of a non-resource request. */
  path?: string;
}

export function isResourceRequest(attributes: AuthorizationAttributes): boolean {
  return attributes.resource !== undefined && attributes.resource !== '';
}

/** `llms.mastra.ai`, `workflows.mastra.ai/execute`: how Kubernetes names what was asked. */
export function describeResource(attributes: AuthorizationAttributes): string {
  let resource = attributes.resource ?? '';
  if (attributes.subresource) resource = `${resource}/${attributes.subresource}`;
  return resource;
}

/**
 * The apiserver's message for a denied request (responsewriters.forbiddenMessage), prefixed as
 * its Forbidden status is: `llms.mastra.ai "x" is forbidden: User "ann" cannot patch resource
 * "llms" in API group "mastra.ai" in the namespace "team-b"`.
 */
export function forbiddenMessage(user: string, attributes: AuthorizationAttributes, reason = ''): string {
  const suffix = reason ? `: ${reason}` : '';
  if (!isResourceRequest(attributes)) return `forbidden: User "${user}" cannot ${attributes.verb} path "${attributes.path ?? ''}"${suffix}`;
  const group = attributes.apiGroup ?? '';
  const qualified = group === '' ? attributes.resource! : `${attributes.resource}.${group}`;
  const subject = attributes.name ? `${qualified} "${attributes.name}"` : qualified;
  const scope = attributes.namespace ? `in the namespace "${attributes.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${user}" cannot ${attributes.verb} resource "${describeResource(attributes)}" in API group "${group}" ${scope}${suffix}`;
}
