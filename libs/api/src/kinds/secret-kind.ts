import { MASTRA_KIND_PLACEMENT } from '../resource';
import type { FieldCause } from '../api-errors';
import { BUILTIN_KIND_NAMES } from './kind-names';
import type { JsonSchema } from '../kind-definition';
import { formatFieldPath } from '../field-path';
import { asRecord, type BuiltinKind } from './builtin-kind';
import { ageColumn, objectMetaSchema } from './resource-schema';

const DESCRIPTION = 'Sensitive values (API keys, tokens); encrypted at rest and never returned in clear.';
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * What Secret values look like in every answer. Sent back in `data` it means "keep the stored
 * value" (a client echoing what it read, a patch merged onto the object as served).
 */
export const REDACTED_SECRET_VALUE = '<redacted>';

const secretSchema: JsonSchema = {
  type: 'object',
  description: DESCRIPTION,
  required: ['apiVersion', 'kind', 'metadata'],
  additionalProperties: false,
  properties: {
    apiVersion: { type: 'string', description: 'Always mastra.ai/v1.' },
    kind: { type: 'string', description: 'Always Secret.' },
    metadata: objectMetaSchema,
    type: { type: 'string', description: 'How the data is used, e.g. Opaque. @default Opaque' },
    data: {
      type: 'object',
      description: 'Values, base64-encoded, by key.',
      additionalProperties: { type: 'string', description: 'A base64-encoded value.' },
    },
    stringData: {
      type: 'object',
      description: 'Write-only plain values, merged into data (they win over data).',
      additionalProperties: { type: 'string', description: 'A plain value.' },
    },
  },
};

/** Key syntax and base64 of `data` (the store resolves `<redacted>`); messages never echo a value. */
function secretCauses(object: Record<string, unknown>): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const mapName of ['data', 'stringData'] as const) {
    const map = asRecord(object[mapName]) ?? {};
    for (const [key, value] of Object.entries(map)) {
      if (!SECRET_KEY.test(key)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: formatFieldPath([mapName]),
          message: `Invalid value: ${JSON.stringify(key)}: a valid key must consist of alphanumeric characters, '-', '_' or '.'`,
        });
      }
      if (mapName === 'data' && typeof value === 'string' && value !== REDACTED_SECRET_VALUE && !BASE64.test(value)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: formatFieldPath([mapName, key]),
          message: 'Invalid value: must be base64-encoded (use stringData for plain text)',
        });
      }
    }
  }
  return causes;
}

export const secretKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.Secret,
  ...MASTRA_KIND_PLACEMENT,
  categories: ['mastra'],
  bodyFields: ['type', 'data', 'stringData'],
  hasStatus: false,
  description: DESCRIPTION,
  schema: secretSchema,
  printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.type', description: 'Secret type.' }, ageColumn],
  // A Secret has no spec: the hooks get the whole object.
  rawReferences: () => [],
  specCauses: (object) => secretCauses(object),
  references: () => [],
};
