import type { FieldCause, InvalidError } from '../api-errors';
import type { JsonSchema, PrinterColumn } from '../kind-definition';
import { asArray, asRecord } from '../kinds/builtin-kind';
import type { Resource } from '../resource';

/** Kubernetes' own CRD group and version: the shape CRDs are stored in. */
export const APIEXTENSIONS_GROUP = 'apiextensions.k8s.io';
export const APIEXTENSIONS_VERSION = 'v1';
/** The older, flatter shape Kastra also serves CRDs in (one version, `spec.validation`). */
export const CRD_ALPHA_GROUP = 'mastra.ai';
export const CRD_ALPHA_VERSION = 'v1alpha1';
/** The version a `mastra.ai/v1alpha1` CRD serves its kind under when it names none. */
export const DEFAULT_CUSTOM_VERSION = 'v1alpha1';
export const CRD_KIND = 'CustomResourceDefinition';

/** One served version of a custom kind, read from either shape. */
export interface CustomVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: JsonSchema;
  hasStatus: boolean;
  printerColumns: PrinterColumn[];
}

/** Everything a CRD says about its kind, whichever shape it was written in. */
export interface CustomResourceDefinitionView {
  name: string;
  group: string;
  scope: 'Namespaced' | 'Cluster';
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  listKind: string;
  categories: string[];
  versions: CustomVersion[];
  creationTimestamp: string;
}

function strings(value: unknown): string[] {
  return asArray(value).filter((item): item is string => typeof item === 'string');
}

function printerColumnsOf(value: unknown): PrinterColumn[] {
  return asArray(value).flatMap((entry) => {
    const column = asRecord(entry);
    // v1 says jsonPath, the older shape JSONPath.
    const jsonPath = column?.jsonPath ?? column?.JSONPath;
    if (!column || typeof column.name !== 'string' || typeof jsonPath !== 'string') return [];
    const type = typeof column.type === 'string' ? column.type : 'string';
    return [{
      name: column.name,
      type: (['integer', 'number', 'boolean', 'date'].includes(type) ? type : 'string') as PrinterColumn['type'],
      jsonPath,
      ...(typeof column.description === 'string' ? { description: column.description } : {}),
      ...(typeof column.priority === 'number' ? { priority: column.priority } : {}),
    }];
  });
}

/** Reads a stored (apiextensions.k8s.io/v1) CRD. Defensive: call it on validated objects for meaning. */
export function viewOf(crd: Resource): CustomResourceDefinitionView {
  const spec = asRecord(crd.spec) ?? {};
  const names = asRecord(spec.names) ?? {};
  const kind = typeof names.kind === 'string' ? names.kind : '';
  return {
    name: crd.metadata.name,
    group: typeof spec.group === 'string' ? spec.group : '',
    scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
    kind,
    plural: typeof names.plural === 'string' ? names.plural : '',
    singular: typeof names.singular === 'string' && names.singular !== '' ? names.singular : kind.toLowerCase(),
    shortNames: strings(names.shortNames),
    listKind: typeof names.listKind === 'string' && names.listKind !== '' ? names.listKind : `${kind}List`,
    categories: strings(names.categories),
    versions: asArray(spec.versions).flatMap((entry) => {
      const version = asRecord(entry);
      if (!version || typeof version.name !== 'string') return [];
      return [{
        name: version.name,
        served: version.served !== false,
        storage: version.storage === true,
        schema: asRecord(asRecord(version.schema)?.openAPIV3Schema) ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        hasStatus: asRecord(asRecord(version.subresources)?.status) !== undefined,
        printerColumns: printerColumnsOf(version.additionalPrinterColumns),
      }];
    }),
    creationTimestamp: crd.metadata.creationTimestamp ?? '',
  };
}

/**
 * A `mastra.ai/v1alpha1` CRD (spec.group, spec.version, spec.names, spec.scope,
 * spec.validation.openAPIV3Schema, spec.subresources, spec.additionalPrinterColumns) as the
 * `apiextensions.k8s.io/v1` CRD it means: one version, served and stored.
 */
export function alphaToV1(served: Resource): Resource {
  const spec = asRecord(served.spec);
  if (!spec) return { ...served, apiVersion: `${APIEXTENSIONS_GROUP}/${APIEXTENSIONS_VERSION}` };
  const { version, validation, subresources, additionalPrinterColumns, versions, ...rest } = spec;
  const causes: FieldCause[] = [];
  if (version !== undefined && typeof version !== 'string') causes.push({ reason: 'FieldValueTypeInvalid', field: 'spec.version', message: 'must be string' });
  if (validation !== undefined && !asRecord(validation)) causes.push({ reason: 'FieldValueTypeInvalid', field: 'spec.validation', message: 'must be object' });
  if (versions !== undefined) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: `Invalid value: ${CRD_ALPHA_GROUP}/${CRD_ALPHA_VERSION} CRDs declare one version (spec.version); write an ${APIEXTENSIONS_GROUP}/${APIEXTENSIONS_VERSION} CRD for several` });
  }
  if (causes.length > 0) throw invalidCrd(served.metadata?.name ?? '', causes);
  const schema = asRecord(validation)?.openAPIV3Schema;
  const v1Version: Record<string, unknown> = {
    name: version ?? DEFAULT_CUSTOM_VERSION,
    served: true,
    storage: true,
    ...(schema !== undefined ? { schema: { openAPIV3Schema: schema } } : {}),
    ...(subresources !== undefined ? { subresources } : {}),
    ...(additionalPrinterColumns !== undefined ? { additionalPrinterColumns } : {}),
  };
  return { ...served, apiVersion: `${APIEXTENSIONS_GROUP}/${APIEXTENSIONS_VERSION}`, spec: { ...rest, versions: [v1Version] } };
}

/** A 422 for a CRD. api-errors is required late: it reads the kind registry, which holds the CRD kinds. */
function invalidCrd(name: string, causes: FieldCause[]): InvalidError {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const errors = require('../api-errors') as typeof import('../api-errors');
  return new errors.InvalidError(CRD_KIND, name, causes);
}

/** A stored CRD as `mastra.ai/v1alpha1` shows it: its (first) version flattened into the spec. */
export function v1ToAlpha(stored: Resource): Resource {
  const spec = asRecord(stored.spec);
  const alpha = { ...stored, apiVersion: `${CRD_ALPHA_GROUP}/${CRD_ALPHA_VERSION}` };
  if (!spec) return alpha;
  const { versions, ...rest } = spec;
  const all = asArray(versions).map(asRecord).filter((v): v is Record<string, unknown> => v !== undefined);
  const first = all.find((v) => v.storage === true) ?? all[0];
  if (!first) return { ...alpha, spec: rest };
  const schema = asRecord(first.schema)?.openAPIV3Schema;
  return {
    ...alpha,
    spec: {
      ...rest,
      version: first.name,
      ...(schema !== undefined ? { validation: { openAPIV3Schema: schema } } : {}),
      ...(first.subresources !== undefined ? { subresources: first.subresources } : {}),
      ...(first.additionalPrinterColumns !== undefined ? { additionalPrinterColumns: first.additionalPrinterColumns } : {}),
    },
  };
}
