import type { FieldCause } from '../api-errors';
import type { JsonSchema, KindDefinition } from '../kind-definition';
import type { Resource } from '../resource';
import type { FieldPathSegment } from '../field-path';

/** A reference as written in a spec, before parsing (see references.ts). */
export interface RawReference {
  kind: string;
  ref: unknown;
  at: FieldPathSegment[];
}

/**
 * A built-in kind: the public KindDefinition plus what validation needs: the spec schema (System
 * embeds the others'), the raw references (so bad syntax is a 422, not a silent skip) and rules a
 * structural schema cannot say (exactly one executor, ref or inline model).
 */
export interface BuiltinKind extends KindDefinition {
  specSchema?: JsonSchema;
  /** References of a spec; `specAt` is where the spec sits (System children are nested). */
  rawReferences(spec: Record<string, unknown>, specAt: FieldPathSegment[]): RawReference[];
  /** Rules beyond the schema, on a spec that may not match the schema (be defensive). */
  specCauses(spec: Record<string, unknown>, specAt: FieldPathSegment[]): FieldCause[];
  /** Rules of a change (fields that cannot change once set), on the stored and the next object. */
  updateCauses?(current: Record<string, unknown>, next: Record<string, unknown>): FieldCause[];
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
