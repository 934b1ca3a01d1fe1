import type { FieldCause } from './api-errors';
import type { ResourceReference } from './kind-definition';
import type { Resource, ResourceKey } from './resource';
import { DEFAULT_NAMESPACE } from './resource';
import { formatFieldPath, type FieldPathSegment } from './field-path';
import { isDnsLabel } from './object-meta-validation';
import { findBuiltinKindNames } from './kinds/kind-names';
import type { RawReference } from './kinds/builtin-kind';

export interface ParseReferenceOptions {
  /** Namespace of the referring object; a bare `name` refers into it. */
  defaultNamespace: string;
  /** The kind the reference must point to, e.g. `LLM`. */
  kind: string;
}

/** A reference whose syntax Kastra does not accept. */
export class InvalidReferenceError extends Error {
  override readonly name = 'InvalidReferenceError';
  constructor(readonly reference: unknown, readonly problem: string) {
    super(`invalid reference ${JSON.stringify(reference)}: ${problem}`);
  }
}

const ACCEPTED =
  'use "name", "namespace.name", "<plural>/name" (e.g. "agents/greeter"), "<plural>/namespace.name" or {name, namespace}';

/**
 * Parses a reference to a resource of `options.kind`. Accepted forms:
 * - `name`: same namespace as the referrer;
 * - `namespace.name` (as in `ref: default.my-llm`): names are DNS labels and cannot
 *   contain a dot, so the first dot always separates the namespace;
 * - `plural/name` or `plural/namespace.name` (`agents/greeter`), the prefix being any name of the
 *   expected kind (plural, singular, kind or short name, any case);
 * - `{name, namespace?}` objects.
 * `namespace/name` is NOT accepted: it cannot be told apart from `plural/name` (a namespace may be
 * called `agents`); write `namespace.name`.
 */
export function parseReference(ref: unknown, options: ParseReferenceOptions): ResourceKey {
  if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
    const { name, namespace } = ref as { name?: unknown; namespace?: unknown };
    if (typeof name !== 'string' || name === '') throw new InvalidReferenceError(ref, 'name is required');
    if (namespace !== undefined && typeof namespace !== 'string') {
      throw new InvalidReferenceError(ref, 'namespace must be a string');
    }
    return checked(ref, { kind: options.kind, namespace: namespace || options.defaultNamespace, name });
  }
  if (typeof ref !== 'string') throw new InvalidReferenceError(ref, `must be a string or {name, namespace}`);
  let rest = ref;
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const prefix = ref.slice(0, slash);
    const prefixKind = findBuiltinKindNames(prefix);
    if (!prefixKind) {
      throw new InvalidReferenceError(ref, `"${prefix}" is not a kind; ${ACCEPTED}`);
    }
    if (prefixKind.kind !== options.kind) {
      throw new InvalidReferenceError(ref, `must refer to a ${options.kind}, not a ${prefixKind.kind}`);
    }
    rest = ref.slice(slash + 1);
  }
  const dot = rest.indexOf('.');
  const key =
    dot >= 0
      ? { kind: options.kind, namespace: rest.slice(0, dot), name: rest.slice(dot + 1) }
      : { kind: options.kind, namespace: options.defaultNamespace, name: rest };
  return checked(ref, key);
}

function checked(ref: unknown, key: ResourceKey): ResourceKey {
  if (!isDnsLabel(key.namespace)) {
    throw new InvalidReferenceError(ref, `namespace "${key.namespace}" is not a DNS-1123 label; ${ACCEPTED}`);
  }
  if (!isDnsLabel(key.name)) {
    throw new InvalidReferenceError(ref, `name "${key.name}" is not a DNS-1123 label; ${ACCEPTED}`);
  }
  return key;
}

/** Formats a key the way manifests write it: `namespace.name`. */
export function formatReference(key: Pick<ResourceKey, 'namespace' | 'name'>): string {
  return `${key.namespace}.${key.name}`;
}

/** Parses raw references, skipping the ones whose syntax is invalid (validation reports them). */
export function resolveReferences(raw: RawReference[], defaultNamespace: string): ResourceReference[] {
  const references: ResourceReference[] = [];
  for (const reference of raw) {
    try {
      const key = parseReference(reference.ref, { defaultNamespace, kind: reference.kind });
      references.push({ ...key, field: formatFieldPath(reference.at) });
    } catch (error) {
      if (!(error instanceof InvalidReferenceError)) throw error;
    }
  }
  return references;
}

/** One FieldValueInvalid cause for each reference whose syntax is invalid. */
export function referenceCauses(raw: RawReference[], defaultNamespace: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const reference of raw) {
    try {
      parseReference(reference.ref, { defaultNamespace, kind: reference.kind });
    } catch (error) {
      if (!(error instanceof InvalidReferenceError)) throw error;
      causes.push({ reason: 'FieldValueInvalid', field: formatFieldPath(reference.at), message: `Invalid value: ${JSON.stringify(reference.ref)}: ${error.problem}` });
    }
  }
  return causes;
}

/** A KindDefinition `references` built from a kind's raw references of `spec`. */
export function specReferences(
  rawReferences: (spec: Record<string, unknown>, at: FieldPathSegment[]) => RawReference[],
): (resource: Resource) => ResourceReference[] {
  return (resource) => {
    const spec = typeof resource.spec === 'object' && resource.spec !== null ? resource.spec : {};
    return resolveReferences(rawReferences(spec, ['spec']), resource.metadata.namespace || DEFAULT_NAMESPACE);
  };
}
