/** A media range of an Accept header, e.g. `application/json;as=Table;v=v1;g=meta.k8s.io`. */
interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function mediaRanges(accept: string | undefined): MediaRange[] {
  if (!accept) return [];
  return accept.split(',').map((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim());
    return {
      type: type.toLowerCase(),
      params: Object.fromEntries(
        params
          .map((param) => param.split('=').map((side) => side.trim()))
          .filter((pair) => pair.length === 2)
          .map(([key, value]) => [key, value]),
      ),
    };
  });
}

/**
 * The Table version the client asks for (`kubectl get` sends
 * `application/json;as=Table;v=v1;g=meta.k8s.io,...;v=v1beta1...,application/json`), or
 * undefined when it wants plain objects. v1 is preferred when both are acceptable.
 */
export function requestedTableVersion(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  const versions = mediaRanges(accept)
    .filter((range) => (range.type === 'application/json' || range.type === '*/*') && range.params.as === 'Table' && range.params.g === 'meta.k8s.io')
    .map((range) => range.params.v);
  if (versions.includes('v1')) return 'v1';
  if (versions.includes('v1beta1')) return 'v1beta1';
  return undefined;
}
