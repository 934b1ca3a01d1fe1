import type { FieldCause } from '../api-errors';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import { asRecord, type RawReference } from './builtin-kind';

/** `model: {ref}` refers to an LLM; `model: {provider, name}` is inline. Exactly one form. */
export function modelSelectorCauses(model: unknown, at: FieldPathSegment[]): FieldCause[] {
  const selector = asRecord(model);
  if (!selector) return [];
  const hasRef = selector.ref !== undefined;
  const inline = ['provider', 'name'].filter((field) => selector[field] !== undefined);
  if (hasRef && inline.length > 0) {
    return [
      {
        reason: 'FieldValueInvalid',
        field: formatFieldPath(at),
        message: `Invalid value: set either ref or provider and name, not both (found ref and ${inline.join(', ')})`,
      },
    ];
  }
  if (!hasRef && inline.length === 0) {
    return [
      {
        reason: 'FieldValueRequired',
        field: formatFieldPath(at),
        message: 'Required value: set ref (an LLM resource) or provider and name',
      },
    ];
  }
  if (!hasRef && inline.length === 1) {
    const missing = inline[0] === 'provider' ? 'name' : 'provider';
    return [{ reason: 'FieldValueRequired', field: formatFieldPath([...at, missing]), message: 'Required value' }];
  }
  return [];
}

export function modelSelectorReferences(model: unknown, at: FieldPathSegment[]): RawReference[] {
  const ref = asRecord(model)?.ref;
  return ref === undefined ? [] : [{ kind: 'LLM', ref, at: [...at, 'ref'] }];
}
