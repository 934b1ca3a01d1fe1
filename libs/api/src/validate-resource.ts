import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { InvalidError, type FieldCause } from './api-errors';
import { formatFieldPath, segmentsFromJsonPointer, type FieldPathSegment } from './field-path';
import { apiVersionOf, BUILTIN_KINDS, findBuiltinKind, findKindByName, servedGroupVersions } from './kind-registry';
import { asRecord, type BuiltinKind } from './kinds/builtin-kind';
import { PRESERVE_UNKNOWN } from './kinds/resource-schema';
import { DURATION_PATTERN, ENV_REFERENCE_PATTERN } from './kinds/spec-schemas';
import { STEP_ID_PATTERN } from './kinds/workflow-kind';
import { DNS_LABEL_MESSAGE, DNS_LABEL_PATTERN, validateObjectMeta } from './object-meta-validation';
import { referenceCauses } from './references';
import { DEFAULT_NAMESPACE, type Resource } from './resource';
import { unknownFieldCause } from './unknown-fields';
import type { JsonSchema } from './kind-definition';
import { crdAlphaKind, crdKind, crdObjectCauses } from './custom-resources/crd-kind';
import { alphaToV1, CRD_ALPHA_GROUP, CRD_ALPHA_VERSION, CRD_KIND } from './custom-resources/crd-shapes';
import type { KindDefinition } from './kind-definition';
import type { Resource as StoredResource } from './resource';
import { findCustomKind, servedCustomKinds, withCustomDefaults, type CustomKind } from './custom-resources/custom-kinds';
import { systemResourceEntries } from './kinds/system-resources';

/** What a failed `pattern` means, and whether the value may be echoed (never for key fields). */
const PATTERN_MESSAGES: Record<string, { message: string; echo: boolean }> = {
  [DNS_LABEL_PATTERN]: { message: DNS_LABEL_MESSAGE, echo: true },
  [STEP_ID_PATTERN]: {
    message: "must consist of alphanumeric characters, '-' or '_', and start and end with an alphanumeric character",
    echo: true,
  },
  [DURATION_PATTERN]: { message: 'must be a duration such as 500ms, 30s, 5m or 1h', echo: true },
  [ENV_REFERENCE_PATTERN]: {
    message: 'must be an environment reference such as ${OPENAI_API_KEY}; put literal keys in a Secret and use secretRef',
    echo: false,
  },
};

const FORMAT_MESSAGES: Record<string, string> = { uri: 'must be an absolute URL such as https://example.com/path' };

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(kind: KindDefinition): ValidateFunction {
  const key = `${apiVersionOf(kind)}/${kind.kind}`;
  let validate = validators.get(key);
  if (!validate) {
    if (!ajv) {
      // verbose: errors carry the failing value and schema, to name enum values and anyOf branches.
      ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
      addFormats(ajv, ['uri']);
      ajv.addKeyword({ keyword: PRESERVE_UNKNOWN, schemaType: 'boolean' });
    }
    validate = ajv.compile(kind.schema);
    validators.set(key, validate);
  }
  return validate;
}

/**
 * Validates a manifest as the API server does before storing it: apiVersion, a known kind, the
 * metadata rules, the kind's schema, the rules beyond it and the syntax of every reference.
 * Returns every problem found (empty when valid), each naming its field.
 */
export function validateResource(object: unknown): FieldCause[] {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return [{ reason: 'FieldValueTypeInvalid', field: '', message: 'Invalid value: a manifest must be an object' }];
  }
  const manifest = object as Record<string, unknown>;
  const causes: FieldCause[] = [];
  const kind = typeof manifest.kind === 'string' ? findBuiltinKind(manifest.kind) : undefined;
  const custom = !kind && typeof manifest.kind === 'string' ? findCustomKind(manifest.kind) : undefined;
  if (custom) return validateCustomResource(manifest, custom);
  if (kind?.kind === CRD_KIND && manifest.apiVersion === `${CRD_ALPHA_GROUP}/${CRD_ALPHA_VERSION}`) return validateAlphaCrd(manifest);
  // The apiVersion a known kind is served under, or (for an unknown kind) any served one.
  const versions = kind ? [apiVersionOf(kind)] : servedGroupVersions().map((gv) => gv.groupVersion);
  if (manifest.apiVersion === undefined || manifest.apiVersion === '') causes.push(required('apiVersion'));
  else if (!versions.includes(manifest.apiVersion as string)) causes.push(notSupported('apiVersion', manifest.apiVersion, versions));
  if (manifest.kind === undefined || manifest.kind === '') causes.push(required('kind'));
  else if (!kind) {
    const cause = notSupported('kind', manifest.kind, [...BUILTIN_KINDS.map((k) => k.kind), ...new Set(servedCustomKinds().map((k) => k.kind))]);
    const alike = typeof manifest.kind === 'string' ? findKindByName(manifest.kind) : undefined;
    if (alike) cause.message += ` (did you mean "${alike.kind}"?)`;
    causes.push(cause);
  }
  if (!kind) {
    if (manifest.metadata === undefined) causes.push(required('metadata'));
    return [...causes, ...validateObjectMeta(manifest.metadata)];
  }
  const validate = validatorFor(kind);
  if (!validate(manifest)) causes.push(...schemaCauses(validate.errors ?? []));
  causes.push(...validateObjectMeta(manifest.metadata, kind.nameRule));
  if (kind.kind === CRD_KIND) causes.push(...crdObjectCauses(manifest));
  const namespace = namespaceOf(manifest.metadata);
  // Kinds without a spec (Secret) get the whole object in their hooks.
  const [body, at]: [unknown, FieldPathSegment[]] = kind.specSchema ? [manifest.spec, ['spec']] : [manifest, []];
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const spec = body as Record<string, unknown>;
    causes.push(...kind.specCauses(spec, at));
    // Only references of the right type: the schema already reports the others.
    const written = kind.rawReferences(spec, at).filter(({ ref }) => typeof ref === 'string' ? ref !== '' : typeof asRecord(ref)?.name === 'string');
    causes.push(...referenceCauses(written, namespace));
    if (kind.kind === 'System') causes.push(...systemResourceCauses(spec, namespace));
  }
  return unique(causes);
}

/**
 * A System's objects of custom kinds whose kind is served now, each checked as that kind's objects
 * are (its apiVersion among the served versions, the CRD's structural schema after its defaults),
 * with the fields named where they sit in the System. A kind not served yet is not checked here:
 * the System is accepted and waits for it.
 */
function systemResourceCauses(spec: Record<string, unknown>, namespace: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const entry of systemResourceEntries(spec, ['spec'])) {
    if (typeof entry.kind !== 'string' || typeof entry.name !== 'string' || typeof entry.apiVersion !== 'string') continue;
    const storage = findCustomKind(entry.kind);
    if (!storage) continue;
    const versions = servedCustomKinds().filter((k) => k.kind === entry.kind && k.definedBy === storage.definedBy);
    const served = versions.find((k) => `${k.group}/${k.version}` === entry.apiVersion);
    const at = formatFieldPath(entry.at);
    if (!served) {
      causes.push({ ...notSupported('apiVersion', entry.apiVersion, versions.map((k) => `${k.group}/${k.version}`)), field: `${at}.apiVersion` });
      continue;
    }
    const object: Resource = { apiVersion: entry.apiVersion, kind: entry.kind, metadata: { name: entry.name, namespace }, ...(entry.spec ? { spec: entry.spec } : {}) };
    const defaulted = withCustomDefaults(object, served);
    const stored = served.conversion ? served.conversion.toStored(defaulted) : defaulted;
    for (const cause of validateCustomResource(stored as unknown as Record<string, unknown>, storage)) {
      if (cause.field === 'apiVersion' || cause.field.startsWith('metadata.namespace')) continue;
      const field = cause.field.startsWith('metadata.name') ? `${at}.name` : `${at}.${cause.field}`;
      causes.push({ ...cause, field });
    }
  }
  return causes;
}

/** A custom kind's object (in its stored version): apiVersion, metadata and the CRD's structural schema. */
function validateCustomResource(manifest: Record<string, unknown>, kind: CustomKind): FieldCause[] {
  const causes: FieldCause[] = [];
  if (manifest.apiVersion === undefined || manifest.apiVersion === '') causes.push(required('apiVersion'));
  else if (manifest.apiVersion !== kind.storageApiVersion) causes.push(notSupported('apiVersion', manifest.apiVersion, [kind.storageApiVersion]));
  if (!kind.validate(manifest)) causes.push(...schemaCauses(kind.validate.errors ?? []));
  causes.push(...validateObjectMeta(manifest.metadata, kind.nameRule));
  return unique(causes);
}

/**
 * A CRD in the mastra.ai/v1alpha1 shape (files, the SDK, `kastra migrate`): its own schema, then
 * the rules of the v1 CRD it converts to, with their fields named as this shape names them.
 */
function validateAlphaCrd(manifest: Record<string, unknown>): FieldCause[] {
  const causes: FieldCause[] = [];
  const validate = validatorFor(crdAlphaKind);
  if (!validate(manifest)) causes.push(...schemaCauses(validate.errors ?? []));
  causes.push(...validateObjectMeta(manifest.metadata, crdKind.nameRule), ...crdObjectCauses(manifest));
  if (asRecord(manifest.spec) && asRecord(manifest.metadata)) {
    try {
      const v1 = alphaToV1(manifest as unknown as StoredResource);
      const alphaField = (field: string) =>
        field.replace(/^spec\.versions\[0\]\.schema\.openAPIV3Schema/, 'spec.validation.openAPIV3Schema').replace(/^spec\.versions\[0\]\.name/, 'spec.version');
      causes.push(...crdKind.specCauses(v1.spec as Record<string, unknown>, ['spec']).map((cause) => ({ ...cause, field: alphaField(cause.field) })));
    } catch (error) {
      if (!(error instanceof InvalidError)) throw error;
      causes.push(...error.causes);
    }
  }
  return unique(causes);
}

/**
 * Validation ratcheting (as the apiserver ratchets custom resources): problems of a custom
 * object's top-level field that this write leaves as it was (`spec` when only labels or
 * finalizers change) do not refuse it. A schema made stricter applies to the parts a write
 * changes, so a controller can still remove a finalizer from an object the new schema refuses.
 */
export function ratchetCauses(causes: FieldCause[], current: Resource, next: Resource): FieldCause[] {
  if (!findCustomKind(next.kind)) return causes;
  const before = current as unknown as Record<string, unknown>;
  const after = next as unknown as Record<string, unknown>;
  return causes.filter((cause) => {
    const top = cause.field.split(/[.[]/)[0];
    if (top === '' || top === 'metadata' || top === 'apiVersion' || top === 'kind') return true;
    return JSON.stringify(before[top]) !== JSON.stringify(after[top]);
  });
}

/** What a change may not do (e.g. a binding's roleRef is fixed), beyond what validateResource checks. */
export function validateResourceUpdate(current: Resource, next: Resource): FieldCause[] {
  const kind = findBuiltinKind(next.kind);
  return kind?.updateCauses?.(current as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>) ?? [];
}

function namespaceOf(metadata: unknown): string {
  const namespace = (metadata as { namespace?: unknown } | undefined)?.namespace;
  return typeof namespace === 'string' && namespace !== '' ? namespace : DEFAULT_NAMESPACE;
}

function required(field: string): FieldCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

function notSupported(field: string, value: unknown, supported: readonly unknown[]): FieldCause {
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`,
  };
}

function unique(causes: FieldCause[]): FieldCause[] {
  const seen = new Set<string>();
  return causes.filter((cause) => {
    const key = `${cause.field}\u0000${cause.reason}\u0000${cause.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The branch of the `anyOf` error an error belongs to, if any. */
function branchOf(error: ErrorObject, anyOf: ErrorObject): number | undefined {
  if (!error.schemaPath.startsWith(`${anyOf.schemaPath}/`)) return undefined;
  // The same schema applies at many places (every step's agent): match the value too.
  if (error.instancePath !== anyOf.instancePath && !error.instancePath.startsWith(`${anyOf.instancePath}/`)) return undefined;
  return Number(error.schemaPath.slice(anyOf.schemaPath.length + 1).split('/')[0]);
}

/**
 * An `anyOf` (string or object) fails with errors from every branch. When the value's type fits
 * one branch, only that branch's errors are useful; otherwise one "must be A or B" says it all.
 */
function schemaCauses(errors: ErrorObject[]): FieldCause[] {
  const dropped = new Set<ErrorObject>();
  const causes: FieldCause[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf') continue;
    dropped.add(error);
    const branches = error.schema as JsonSchema[];
    const typeMismatch = new Set(
      errors
        .filter((e) => e.keyword === 'type' && e.instancePath === error.instancePath)
        .map((e) => branchOf(e, error))
        .filter((branch) => branch !== undefined),
    );
    const fitting = branches.map((_, i) => i).filter((i) => !typeMismatch.has(i));
    for (const e of errors) {
      const branch = branchOf(e, error);
      if (branch !== undefined && !(fitting.length === 1 && branch === fitting[0])) dropped.add(e);
    }
    if (fitting.length !== 1) {
      const types = branches.map((branch) => String(branch.type));
      causes.push({
        reason: 'FieldValueTypeInvalid',
        field: formatFieldPath(segmentsFromJsonPointer(error.instancePath)),
        message: `must be ${types.join(' or ')}`,
      });
    }
  }
  for (const error of errors) {
    if (!dropped.has(error)) causes.push(causeOf(error));
  }
  return causes;
}

function causeOf(error: ErrorObject): FieldCause {
  const at = segmentsFromJsonPointer(error.instancePath);
  const field = formatFieldPath(at);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return required(formatFieldPath([...at, String(params.missingProperty)]));
    case 'additionalProperties':
      return unknownFieldCause([...at, String(params.additionalProperty)]);
    case 'enum':
      return notSupported(field, error.data, params.allowedValues as unknown[]);
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : [params.type];
      return { reason: 'FieldValueTypeInvalid', field, message: `must be ${types.join(' or ')}` };
    }
    case 'minLength':
    case 'minItems':
      if (params.limit === 1) return { reason: 'FieldValueRequired', field, message: 'Required value' };
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${error.message}` };
    case 'maxLength':
      return { reason: 'FieldValueTooLong', field, message: `Too long: must have at most ${params.limit} characters` };
    case 'pattern': {
      const known = PATTERN_MESSAGES[String(params.pattern)];
      const message = known?.message ?? `must match ${String(params.pattern)}`;
      const echo = known?.echo ? `${JSON.stringify(error.data)}: ` : '';
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${echo}${message}` };
    }
    case 'format':
      return {
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${FORMAT_MESSAGES[String(params.format)] ?? `must be a valid ${String(params.format)}`}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(error.data)}: ${error.message}` };
    default:
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${error.message ?? 'invalid'}` };
  }
}
