import type { FieldCause } from '../api-errors';
import type { JsonSchema } from '../kind-definition';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import { API_GROUP, API_VERSION } from '../resource';
import { asArray, asRecord, type BuiltinKind } from './builtin-kind';
import { ageColumn, readyColumn, resourceSchema } from './resource-schema';

const DESCRIPTION = 'An external controller: the process that reconciles some kinds, the kinds it owns and the CRDs it ships.';

/** The user name a plugin's token carries (`system:plugin:<name>`); RBAC binds its rights to it. */
export const PLUGIN_PRINCIPAL_PREFIX = 'system:plugin:';

export function pluginPrincipal(pluginName: string): string {
  return `${PLUGIN_PRINCIPAL_PREFIX}${pluginName}`;
}

const strings = (description: string): JsonSchema => ({ type: 'array', description, items: { type: 'string', description: 'A value.' } });

const envVarSchema: JsonSchema = {
  type: 'object',
  description: 'An environment variable of the controller process.',
  required: ['name', 'value'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Variable name.' },
    value: { type: 'string', description: 'Its value (not for credentials: they belong in Secrets).' },
  },
};

const ownedKindSchema: JsonSchema = {
  type: 'object',
  description: 'A kind the plugin reconciles: its token may read and write these objects and their status, nothing else.',
  required: ['apiGroup', 'kind', 'plural'],
  additionalProperties: false,
  properties: {
    apiGroup: { type: 'string', minLength: 1, description: 'API group of the kind, e.g. mastra.ai or example.com.' },
    kind: { type: 'string', minLength: 1, pattern: '^[A-Z][A-Za-z0-9]*$', description: 'Kind name, e.g. DataSource.' },
    plural: { type: 'string', minLength: 1, pattern: '^[a-z][a-z0-9]*$', description: 'REST plural, e.g. datasources.' },
  },
};

export const pluginSpecSchema: JsonSchema = {
  type: 'object',
  description: 'How to run the controller and what it owns.',
  required: ['controller', 'owns'],
  additionalProperties: false,
  properties: {
    description: { type: 'string', description: 'What the plugin adds.' },
    controller: {
      type: 'object',
      description: 'The controller process: a Node module or a container image (exactly one).',
      additionalProperties: false,
      properties: {
        module: { type: 'string', minLength: 1, description: 'A Node module run with node, relative to the directory of the Plugin manifest, e.g. ./controller.js.' },
        image: { type: 'string', minLength: 1, description: 'A container image running the controller, e.g. ghcr.io/acme/datasource-controller:1.2.' },
        args: strings('Arguments of the process.'),
        env: { type: 'array', description: 'Environment variables of the process.', items: envVarSchema },
      },
    },
    owns: { type: 'array', minItems: 1, description: 'The kinds the plugin reconciles.', items: ownedKindSchema },
    crds: strings('CustomResourceDefinition manifests the plugin ships, relative to the directory of the Plugin manifest; applied before it starts.'),
  },
};

function specCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes: FieldCause[] = [];
  const controller = asRecord(spec.controller);
  if (controller && (controller.module === undefined) === (controller.image === undefined)) {
    causes.push({ reason: 'FieldValueInvalid', field: formatFieldPath([...at, 'controller']), message: 'Invalid value: exactly one of module or image must be set' });
  }
  const seen = new Set<string>();
  asArray(spec.owns).forEach((entry, i) => {
    const owned = asRecord(entry);
    if (!owned) return;
    const id = `${String(owned.apiGroup)}/${String(owned.plural)}`;
    if (seen.has(id)) causes.push({ reason: 'FieldValueDuplicate', field: formatFieldPath([...at, 'owns', i]), message: `Duplicate value: ${JSON.stringify(id)}` });
    seen.add(id);
  });
  return causes;
}

export const pluginKind: BuiltinKind = {
  kind: 'Plugin',
  plural: 'plugins',
  singular: 'plugin',
  shortNames: ['plg'],
  group: API_GROUP,
  version: API_VERSION,
  // Like CRDs: a plugin's kinds and rights span namespaces.
  namespaced: false,
  categories: ['mastra'],
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: pluginSpecSchema,
  schema: resourceSchema('Plugin', DESCRIPTION, pluginSpecSchema),
  printerColumns: [
    { name: 'Kinds', type: 'string', jsonPath: '.spec.owns[*].kind', description: 'The kinds the plugin reconciles.' },
    readyColumn,
    ageColumn,
  ],
  rawReferences: () => [],
  specCauses,
  references: () => [],
};
