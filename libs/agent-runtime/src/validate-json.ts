import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FieldCause } from '@kastra/api';

// Tool and output schemas are written by users in draft-07 style; unknown keywords are tolerated
// (strict off) because models and MCP servers emit schema dialects loosely.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const cacheKey = JSON.stringify(schema);
  let validate = compiled.get(cacheKey);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(cacheKey, validate);
  }
  return validate;
}

/** Checks `value` against a JSON Schema; [] when it conforms. `root` names the value in field paths. */
export function jsonSchemaCauses(schema: Record<string, unknown>, value: unknown, root: string): FieldCause[] {
  let validate: ValidateFunction;
  try {
    validate = validatorFor(schema);
  } catch (error) {
    return [{ reason: 'FieldValueInvalid', field: root, message: `schema does not compile: ${(error as Error).message}` }];
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => ({
    reason: error.keyword === 'required' ? 'FieldValueRequired' : 'FieldValueInvalid',
    field: root + error.instancePath.replace(/\//g, '.'),
    message: error.message ?? 'invalid',
  }));
}
