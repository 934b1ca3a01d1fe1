/**
 * Field paths as Kubernetes prints them in `Status.details.causes[].field`:
 * `spec.steps[1].next`, `metadata.labels[app.kubernetes.io/name]`.
 */
export type FieldPathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Joins segments: numbers become `[n]`, identifiers `.name`, any other map key `[key]`. */
export function formatFieldPath(segments: readonly FieldPathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${segment}]`;
  }
  return path;
}

/** Turns an Ajv/JSON-pointer instance path (`/spec/steps/1/next`) into segments. */
export function segmentsFromJsonPointer(pointer: string): FieldPathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}
