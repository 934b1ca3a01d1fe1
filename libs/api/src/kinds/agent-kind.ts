import { MASTRA_KIND_PLACEMENT } from '../resource';
import type { FieldCause } from '../api-errors';
import { BUILTIN_KIND_NAMES } from './kind-names';
import type { JsonSchema } from '../kind-definition';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import { specReferences } from '../references';
import { asArray, asRecord, type BuiltinKind, type RawReference } from './builtin-kind';
import { modelSelectorCauses, modelSelectorReferences } from './model-selector';
import { ageColumn, readyColumn, resourceSchema } from './resource-schema';
import { modelSelectorSchema, positiveInteger, referenceStringSchema } from './spec-schemas';

const DESCRIPTION = 'An agent: instructions, a model, tools and memory.';

export const agentSpecSchema: JsonSchema = {
  type: 'object',
  description: 'What the agent is told, which model it thinks with and which tools it may call.',
  required: ['instructions'],
  additionalProperties: false,
  properties: {
    description: { type: 'string', description: 'What the agent is for; shown to network routers.' },
    instructions: { type: 'string', minLength: 1, description: 'The system prompt.' },
    model: modelSelectorSchema,
    tools: {
      type: 'array',
      description: 'Tools the agent may call.',
      items: {
        type: 'object',
        description: 'A Tool the agent may call, under the name the model sees.',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, description: 'Name the model sees; also the Tool name when refName is unset.' },
          refName: referenceStringSchema('The Tool resource: `namespace.name`, `name` or `tools/name`. @default name'),
        },
      },
    },
    memory: {
      type: 'object',
      description: 'Conversation memory kept per thread.',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', description: 'Keep memory. @default false' },
        type: { type: 'string', minLength: 1, description: 'Memory store, e.g. buffer or vector. @default buffer' },
        lastMessages: positiveInteger('How many recent messages are sent with each call. @default 10'),
      },
    },
    scaling: {
      type: 'object',
      description: 'Replica bounds for executors serving this agent.',
      additionalProperties: false,
      properties: {
        minReplicas: { type: 'integer', minimum: 0, description: 'Lower bound. @default 1' },
        maxReplicas: positiveInteger('Upper bound. @default 1'),
      },
    },
    maxSteps: positiveInteger('Most model/tool round trips per call. @default 5'),
  },
};

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  const refs = modelSelectorReferences(spec.model, [...at, 'model']);
  asArray(spec.tools).forEach((tool, i) => {
    const entry = asRecord(tool);
    if (!entry) return;
    if (entry.refName !== undefined) refs.push({ kind: 'Tool', ref: entry.refName, at: [...at, 'tools', i, 'refName'] });
    else if (entry.name !== undefined) refs.push({ kind: 'Tool', ref: entry.name, at: [...at, 'tools', i, 'name'] });
  });
  return refs;
}

function specCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes = modelSelectorCauses(spec.model, [...at, 'model']);
  const scaling = asRecord(spec.scaling);
  if (scaling && typeof scaling.minReplicas === 'number' && typeof scaling.maxReplicas === 'number') {
    if (scaling.minReplicas > scaling.maxReplicas) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: formatFieldPath([...at, 'scaling', 'minReplicas']),
        message: `Invalid value: ${scaling.minReplicas}: must be less than or equal to maxReplicas (${scaling.maxReplicas})`,
      });
    }
  }
  const seen = new Set<string>();
  asArray(spec.tools).forEach((tool, i) => {
    const name = asRecord(tool)?.name;
    if (typeof name !== 'string') return;
    if (seen.has(name)) {
      causes.push({ reason: 'FieldValueDuplicate', field: formatFieldPath([...at, 'tools', i, 'name']), message: `Duplicate value: ${JSON.stringify(name)}` });
    }
    seen.add(name);
  });
  return causes;
}

export const agentKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.Agent,
  ...MASTRA_KIND_PLACEMENT,
  subresources: [{ name: 'generate', verbs: ['create'] }],
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: agentSpecSchema,
  schema: resourceSchema('Agent', DESCRIPTION, agentSpecSchema),
  printerColumns: [
    // `.*` shows the ref, or provider and model name of an inline model.
    { name: 'Model', type: 'string', jsonPath: '.spec.model.*', description: 'The LLM resource or inline model.' },
    readyColumn,
    ageColumn,
  ],
  rawReferences,
  specCauses,
  references: specReferences(rawReferences),
};
