import type { FieldCause } from './api-errors';
import { formatFieldPath, type FieldPathSegment } from './field-path';
import type { JsonSchema, KindDefinition } from './kind-definition';
import { findBuiltinKind } from './kind-registry';
import { findCustomKind } from './custom-resources/custom-kinds';
import { PRESERVE_UNKNOWN } from './kinds/resource-schema';

/** A manifest without the fields its kind's schema does not declare, and a cause for each. */
export interface PrunedManifest<T> {
  object: T;
  /** One per field removed; `field` is its path as Kubernetes prints it (`metadata.foo`). */
  unknownFields: FieldCause[];
}

/**
 * Finds and removes every field the kind's schema does not declare, at any depth (top level,
 * metadata, spec), as the apiserver's field validation does; free-form parts
 * (`x-kubernetes-preserve-unknown-fields`) keep everything. A manifest of no known kind comes back
 * as it is: its kind is the validation's finding.
 */
export function pruneUnknownFields<T>(manifest: T, servedAs?: KindDefinition): PrunedManifest<T> {
  const schema = servedAs ? schemaToPrune(servedAs) : schemaOfKindName((manifest as { kind?: unknown } | null)?.kind);
  if (!schema) return { object: manifest, unknownFields: [] };
  const found: FieldPathSegment[][] = [];
  const object = prune(manifest, schema, [], found) as T;
  return { object, unknownFields: found.map(unknownFieldCause) };
}

/** What a kind's objects are pruned with: a custom kind's closed validation schema, a built-in's own. */
function schemaToPrune(kind: KindDefinition): JsonSchema {
  const validation = (kind as { validationSchema?: JsonSchema }).validationSchema;
  return validation ?? kind.schema;
}

function schemaOfKindName(kindName: unknown): JsonSchema | undefined {
  if (typeof kindName !== 'string') return undefined;
  const kind = findBuiltinKind(kindName) ?? findCustomKind(kindName);
  return kind ? schemaToPrune(kind) : undefined;
}

/** The cause of a field the schema does not declare (field validation and the schema check alike). */
export function unknownFieldCause(at: readonly FieldPathSegment[]): FieldCause {
  const name = String(at[at.length - 1]);
  return { reason: 'FieldValueInvalid', field: formatFieldPath(at), message: `Invalid value: unknown field ${JSON.stringify(name)}` };
}

function prune(value: unknown, schema: JsonSchema, at: FieldPathSegment[], found: FieldPathSegment[][]): unknown {
  const branches = schema.anyOf as JsonSchema[] | undefined;
  if (branches) {
    // Only the branch the value's type fits is its schema; with none or several, leave it as is.
    const fitting = branches.filter((branch) => fitsType(branch.type, value));
    return fitting.length === 1 ? prune(value, fitting[0], at, found) : value;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    return isPlainObject(items) ? value.map((item, i) => prune(item, items, [...at, i], found)) : value;
  }
  if (!isPlainObject(value)) return value;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const additional = schema.additionalProperties;
  const closed = additional === false && schema[PRESERVE_UNKNOWN] !== true;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const fieldSchema = Object.hasOwn(properties, key) ? properties[key] : isPlainObject(additional) ? additional : undefined;
    if (fieldSchema) result[key] = prune(field, fieldSchema, [...at, key], found);
    else if (closed) found.push([...at, key]);
    else result[key] = field;
  }
  return result;
}

function fitsType(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
