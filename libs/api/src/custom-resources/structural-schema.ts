import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { JsonSchema } from '../kind-definition';
import { objectMetaSchema, PRESERVE_UNKNOWN, statusSchema } from '../kinds/resource-schema';

/** `x-kubernetes-int-or-string: true`: an integer or a string (ports, percentages). */
export const INT_OR_STRING = 'x-kubernetes-int-or-string';
/** `x-kubernetes-embedded-resource: true`: a whole object with apiVersion, kind and metadata. */
const EMBEDDED_RESOURCE = 'x-kubernetes-embedded-resource';

/** OpenAPI keywords a structural schema may carry that JSON Schema validators do not know. */
const OPENAPI_ONLY = new Set(['nullable', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations', EMBEDDED_RESOURCE, INT_OR_STRING, 'externalDocs', 'example', 'discriminator', 'xml', 'deprecated', 'readOnly', 'writeOnly']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A CRD's OpenAPI v3 structural schema as the JSON Schema the validator runs: `nullable` becomes a
 * `null` type, int-or-string an `anyOf`, and an object that declares neither
 * `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` is closed
 * (`additionalProperties: false`): the apiserver prunes (or, under strict field validation,
 * refuses) fields its schema does not name. Keywords only OpenAPI knows are dropped.
 */
export function toValidationSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (OPENAPI_ONLY.has(keyword)) continue;
    if (keyword === 'properties' && isRecord(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isRecord(sub) ? toValidationSchema(sub) : sub]));
    } else if ((keyword === 'items' || keyword === 'additionalProperties' || keyword === 'not') && isRecord(value)) {
      out[keyword] = toValidationSchema(value);
    } else if ((keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') && Array.isArray(value)) {
      out[keyword] = value.map((sub) => (isRecord(sub) ? toValidationSchema(sub) : sub));
    } else {
      out[keyword] = value;
    }
  }
  if (schema[INT_OR_STRING] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  if (schema[EMBEDDED_RESOURCE] === true) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', [PRESERVE_UNKNOWN]: true }, ...(out.properties as object | undefined) };
  }
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object'));
  if (isObject && schema.additionalProperties === undefined && schema[PRESERVE_UNKNOWN] !== true) out.additionalProperties = false;
  return out;
}

/**
 * The JSON Schema of a whole custom object: apiVersion, kind and Kubernetes' ObjectMeta around the
 * CRD's own schema (whose `spec`, `status` and other top-level fields it keeps as written). With
 * the status subresource and no `status` in the CRD's schema, Kastra's status (phase,
 * observedGeneration, conditions, anything else kept) stands in, so a controller can report.
 */
export function customObjectSchema(openApiSchema: JsonSchema, kind: string, hasStatus: boolean): { served: JsonSchema; validation: JsonSchema } {
  const own = isRecord(openApiSchema.properties) ? (openApiSchema.properties as Record<string, JsonSchema>) : {};
  const frame = {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: `Always ${kind}.` },
    metadata: objectMetaSchema,
  };
  const status = hasStatus && !own.status ? { status: statusSchema } : {};
  const served: JsonSchema = {
    ...openApiSchema,
    type: 'object',
    // apiVersion, kind and metadata are the server's (a CRD's own `metadata` schema is ignored, as the apiserver ignores all but name rules).
    properties: { ...own, ...frame, ...status },
  };
  const validation = toValidationSchema({ ...openApiSchema, type: 'object', properties: own });
  validation.properties = { ...(validation.properties as object), ...frame, ...status };
  validation.required = [...new Set(['apiVersion', 'kind', 'metadata', ...((validation.required as string[] | undefined) ?? [])])];
  return { served, validation };
}

let validating: Ajv2020 | undefined;
let defaulting: Ajv2020 | undefined;

function newAjv(useDefaults: boolean): Ajv2020 {
  // Not strict: users' schemas carry keywords (x-kubernetes-*, formats) the apiserver ignores too.
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true, useDefaults, logger: false, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/** What validates, and what fills in defaults of, one custom kind's objects. */
export interface CompiledCustomSchema {
  validate: ValidateFunction;
  applyDefaults: ValidateFunction;
}

/** Compiles a validation schema; throws (with Ajv's message) when it is not a usable schema. */
export function compileCustomSchema(validation: JsonSchema): CompiledCustomSchema {
  validating ??= newAjv(false);
  defaulting ??= newAjv(true);
  return { validate: validating.compile(validation), applyDefaults: defaulting.compile(validation) };
}

/** Lets the validators forget a schema compiled before (a CRD changed or went): they keep every one otherwise. */
export function releaseCustomSchema(validation: JsonSchema): void {
  validating?.removeSchema(validation);
  defaulting?.removeSchema(validation);
}

/**
 * Keywords a structural schema may not use (as the apiserver refuses them): references and ids
 * would also reach across schemas in the shared validator (an `$id` registered by one CRD would
 * break another's).
 */
const FORBIDDEN_KEYWORDS = ['$ref', '$id', '$schema', '$defs', '$anchor', '$dynamicRef', '$dynamicAnchor', 'definitions', 'dependencies', 'patternProperties', 'id'];

/** The first forbidden keyword in a schema, with where it is (`properties.spec.$ref`). */
function forbiddenKeyword(schema: JsonSchema, at: string): string | undefined {
  for (const keyword of FORBIDDEN_KEYWORDS) if (Object.hasOwn(schema, keyword)) return at === '' ? keyword : `${at}.${keyword}`;
  const children: [string, unknown][] = [];
  if (isRecord(schema.properties)) children.push(...Object.entries(schema.properties).map(([name, sub]): [string, unknown] => [`properties.${name}`, sub]));
  for (const keyword of ['items', 'additionalProperties', 'not']) children.push([keyword, schema[keyword]]);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(schema[keyword])) (schema[keyword] as unknown[]).forEach((sub, i) => children.push([`${keyword}[${i}]`, sub]));
  for (const [where, sub] of children) {
    if (!isRecord(sub)) continue;
    const found = forbiddenKeyword(sub, at === '' ? where : `${at}.${where}`);
    if (found) return found;
  }
  return undefined;
}

/** Why a CRD's schema cannot be used, or undefined when it compiles. */
export function customSchemaProblem(openApiSchema: JsonSchema): string | undefined {
  if (openApiSchema.type !== 'object') return 'must be of type object at the root';
  const forbidden = forbiddenKeyword(openApiSchema, '');
  if (forbidden) return `${forbidden}: not allowed in a structural schema`;
  const { validation } = customObjectSchema(openApiSchema, 'Check', false);
  try {
    compileCustomSchema(validation);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    releaseCustomSchema(validation);
  }
}
