import type { FieldCause } from '../api-errors';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import type { JsonSchema, KindDefinition } from '../kind-definition';
import { asArray, asRecord, type BuiltinKind } from '../kinds/builtin-kind';
import { ageColumn, objectMetaSchema, PRESERVE_UNKNOWN, statusSchema } from '../kinds/resource-schema';
import { dnsLabelProblem, dnsSubdomainProblem } from '../object-meta-validation';
import {
  alphaToV1,
  APIEXTENSIONS_GROUP,
  APIEXTENSIONS_VERSION,
  CRD_ALPHA_GROUP,
  CRD_ALPHA_VERSION,
  CRD_KIND,
  v1ToAlpha,
} from './crd-shapes';
import { customSchemaProblem } from './structural-schema';

const DESCRIPTION = 'A kind added at run time: its group, names, scope, versions and their structural schemas. Once Established, its objects are served like built-in ones.';

const free = (description: string): JsonSchema => ({ type: 'object', description, [PRESERVE_UNKNOWN]: true });
const strings = (description: string): JsonSchema => ({ type: 'array', description, items: { type: 'string', description: 'A value.' } });

const namesSchema: JsonSchema = {
  type: 'object',
  description: 'The names of the kind.',
  required: ['kind', 'plural'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', description: 'The kind, CamelCase, e.g. DataSource.' },
    plural: { type: 'string', description: 'The REST plural, lowercase, e.g. datasources.' },
    singular: { type: 'string', description: 'The singular, lowercase. @default the kind, lowercased' },
    shortNames: strings('Short names for kubectl, e.g. ds.'),
    listKind: { type: 'string', description: 'The kind of lists. @default <kind>List' },
    categories: strings('Categories for kubectl get <category>, e.g. all.'),
  },
};

const printerColumnSchema: JsonSchema = {
  type: 'object',
  description: 'A column of kubectl get.',
  required: ['name', 'type', 'jsonPath'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'Column header.' },
    type: { type: 'string', enum: ['integer', 'number', 'string', 'boolean', 'date'], description: 'How the value is shown.' },
    format: { type: 'string', description: 'Accepted; unused.' },
    jsonPath: { type: 'string', description: 'Simple JSONPath of the value, e.g. .spec.url.' },
    description: { type: 'string', description: 'What the column shows.' },
    priority: { type: 'integer', description: '0 shows in the default table, more only with -o wide.' },
  },
};

const versionSchema: JsonSchema = {
  type: 'object',
  description: 'A version of the kind.',
  required: ['name', 'served', 'storage'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'The version, e.g. v1 or v1alpha1.' },
    served: { type: 'boolean', description: 'Whether this version is served.' },
    storage: { type: 'boolean', description: 'Exactly one version is stored.' },
    deprecated: { type: 'boolean', description: 'Accepted; unused.' },
    deprecationWarning: { type: 'string', description: 'Accepted; unused.' },
    schema: {
      type: 'object',
      description: 'The schema of the objects.',
      additionalProperties: false,
      properties: { openAPIV3Schema: free('OpenAPI v3 structural schema of the whole object (spec, status, ...).') },
    },
    subresources: {
      type: 'object',
      description: 'Subresources served beside the objects.',
      additionalProperties: false,
      properties: { status: free('Serve status as a subresource: writes of the object ignore status and status writes ignore the rest.'), scale: free('Accepted; not served.') },
    },
    additionalPrinterColumns: { type: 'array', description: 'Columns of kubectl get.', items: printerColumnSchema },
    selectableFields: { type: 'array', description: 'Accepted; unused.', items: free('A field.') },
  },
};

const groupSchema: JsonSchema = { type: 'string', description: 'API group of the kind, a DNS subdomain with a dot, e.g. example.com.' };
const scopeSchema: JsonSchema = { type: 'string', enum: ['Namespaced', 'Cluster'], description: 'Namespaced or Cluster.' };

const crdSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The kind this CRD adds.',
  required: ['group', 'names', 'scope', 'versions'],
  additionalProperties: false,
  properties: {
    group: groupSchema,
    names: namesSchema,
    scope: scopeSchema,
    versions: { type: 'array', minItems: 1, description: 'The versions of the kind.', items: versionSchema },
    conversion: free('Accepted; only conversion None (the apiVersion changes) is done.'),
    preserveUnknownFields: { type: 'boolean', description: 'Must be false or absent.' },
  },
};

const crdSchema: JsonSchema = {
  type: 'object',
  description: DESCRIPTION,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { type: 'string', description: `${APIEXTENSIONS_GROUP}/${APIEXTENSIONS_VERSION}` },
    kind: { type: 'string', description: `Always ${CRD_KIND}.` },
    metadata: objectMetaSchema,
    spec: crdSpecSchema,
    status: {
      ...statusSchema,
      description: 'Conditions NamesAccepted and Established, and the accepted names.',
      properties: { ...(statusSchema.properties as object), acceptedNames: free('The names being served.'), storedVersions: strings('Versions objects were stored in.') },
    },
  },
};

const cause = (at: FieldPathSegment[], message: string, reason = 'FieldValueInvalid'): FieldCause => ({ reason, field: formatFieldPath(at), message });

/** Rules a schema cannot say: names, one storage version, usable schemas. The spec is the stored (v1) one. */
function crdSpecCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes: FieldCause[] = [];
  if (typeof spec.group === 'string') {
    const problem = dnsSubdomainProblem(spec.group);
    if (problem) causes.push(cause([...at, 'group'], `Invalid value: ${JSON.stringify(spec.group)}: ${problem}`));
    else if (!spec.group.includes('.')) causes.push(cause([...at, 'group'], `Invalid value: ${JSON.stringify(spec.group)}: should be a domain with at least one dot`));
  }
  const names = asRecord(spec.names);
  for (const field of ['plural', 'singular'] as const) {
    const value = names?.[field];
    if (typeof value !== 'string' || value === '') continue;
    const problem = dnsLabelProblem(value);
    if (problem) causes.push(cause([...at, 'names', field], `Invalid value: ${JSON.stringify(value)}: ${problem}`));
  }
  if (typeof names?.kind === 'string' && !/^[A-Z][A-Za-z0-9]*$/.test(names.kind)) {
    causes.push(cause([...at, 'names', 'kind'], `Invalid value: ${JSON.stringify(names.kind)}: must be a CamelCase name starting with an uppercase letter`));
  }
  asArray(names?.shortNames).forEach((short, i) => {
    if (typeof short === 'string' && dnsLabelProblem(short)) causes.push(cause([...at, 'names', 'shortNames', i], `Invalid value: ${JSON.stringify(short)}: must be a lowercase DNS label`));
  });
  if (spec.preserveUnknownFields === true) causes.push(cause([...at, 'preserveUnknownFields'], 'Invalid value: true: must be false: schemas must be structural'));
  const versions = asArray(spec.versions).map(asRecord);
  const seen = new Set<string>();
  versions.forEach((version, i) => {
    if (!version) return;
    if (typeof version.name === 'string') {
      if (dnsLabelProblem(version.name)) causes.push(cause([...at, 'versions', i, 'name'], `Invalid value: ${JSON.stringify(version.name)}: must be a DNS label such as v1 or v1beta1`));
      if (seen.has(version.name)) causes.push(cause([...at, 'versions', i, 'name'], `Duplicate value: ${JSON.stringify(version.name)}`, 'FieldValueDuplicate'));
      seen.add(version.name);
    }
    const schema = asRecord(asRecord(version.schema)?.openAPIV3Schema);
    if (!schema) causes.push(cause([...at, 'versions', i, 'schema', 'openAPIV3Schema'], 'Required value: schemas are required', 'FieldValueRequired'));
    else {
      const problem = customSchemaProblem(schema);
      if (problem) causes.push(cause([...at, 'versions', i, 'schema', 'openAPIV3Schema'], `Invalid value: ${problem}`));
    }
  });
  const stored = versions.filter((version) => version?.storage === true).length;
  if (versions.length > 0 && stored !== 1) causes.push(cause([...at, 'versions'], `Invalid value: must have exactly one version marked as storage version (${stored} are)`));
  if (versions.length > 0 && !versions.some((version) => version?.served === true)) causes.push(cause([...at, 'versions'], 'Invalid value: must serve at least one version'));
  return causes;
}

/** The name must be `<plural>.<group>`, as the apiserver requires. */
function crdNameCauses(crd: Record<string, unknown>): FieldCause[] {
  const spec = asRecord(crd.spec);
  const plural = asRecord(spec?.names)?.plural;
  const name = asRecord(crd.metadata)?.name;
  if (typeof spec?.group !== 'string' || typeof plural !== 'string' || typeof name !== 'string' || name === '') return [];
  const expected = `${plural}.${spec.group}`;
  return name === expected ? [] : [cause(['metadata', 'name'], `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group (${expected})`)];
}

function updateCauses(current: Record<string, unknown>, next: Record<string, unknown>): FieldCause[] {
  const was = asRecord(current.spec);
  const now = asRecord(next.spec);
  const causes: FieldCause[] = [];
  // Objects are stored under the kind name: renaming the kind or moving it would strand them.
  if (asRecord(was?.names)?.kind !== asRecord(now?.names)?.kind) causes.push(cause(['spec', 'names', 'kind'], 'Invalid value: field is immutable'));
  if (was?.scope !== now?.scope) causes.push(cause(['spec', 'scope'], 'Invalid value: field is immutable'));
  return causes;
}

/** CustomResourceDefinition as `apiextensions.k8s.io/v1` serves and the store keeps it. */
export const crdKind: BuiltinKind = {
  kind: CRD_KIND,
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  group: APIEXTENSIONS_GROUP,
  version: APIEXTENSIONS_VERSION,
  namespaced: false,
  hasStatus: true,
  nameRule: 'dns-subdomain',
  categories: ['api-extensions'],
  description: DESCRIPTION,
  specSchema: crdSpecSchema,
  schema: crdSchema,
  printerColumns: [
    { name: 'Established', type: 'string', jsonPath: '.status.conditions[?(@.type=="Established")].status', description: 'Whether the kind is served.' },
    ageColumn,
  ],
  rawReferences: () => [],
  specCauses: crdSpecCauses,
  updateCauses,
  references: () => [],
};

/** Name rules of a whole CRD (beyond its spec). */
export function crdObjectCauses(crd: Record<string, unknown>): FieldCause[] {
  return crdNameCauses(crd);
}

const alphaSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The kind this CRD adds, with one version.',
  required: ['group', 'names', 'scope'],
  additionalProperties: false,
  properties: {
    group: groupSchema,
    names: namesSchema,
    scope: scopeSchema,
    version: { type: 'string', description: 'The version objects are served under. @default v1alpha1' },
    validation: { type: 'object', description: 'The schema of the objects.', additionalProperties: false, properties: { openAPIV3Schema: free('OpenAPI v3 structural schema of the whole object.') } },
    subresources: (versionSchema.properties as Record<string, JsonSchema>).subresources,
    additionalPrinterColumns: (versionSchema.properties as Record<string, JsonSchema>).additionalPrinterColumns,
  },
};

/**
 * The same CRDs served as `mastra.ai/v1alpha1`: spec.group, spec.version, spec.names, spec.scope,
 * spec.validation.openAPIV3Schema (plus subresources and printer columns). Converted to the v1
 * shape on the way in and back on the way out; the store only ever holds v1.
 */
export const crdAlphaKind: KindDefinition = {
  ...crdKind,
  group: CRD_ALPHA_GROUP,
  version: CRD_ALPHA_VERSION,
  schema: { ...crdSchema, properties: { ...(crdSchema.properties as object), apiVersion: { type: 'string', description: `${CRD_ALPHA_GROUP}/${CRD_ALPHA_VERSION}` }, spec: alphaSpecSchema } },
  conversion: { toServed: v1ToAlpha, toStored: alphaToV1 },
};
