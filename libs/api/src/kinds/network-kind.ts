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

const DESCRIPTION = 'Agents that collaborate: a router model picks the next agent each step, sharing network state.';

export const networkSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The agents, the router and the shared state.',
  required: ['agents', 'router'],
  additionalProperties: false,
  properties: {
    instructions: { type: 'string', description: 'What the network is for; given to the router.' },
    agents: {
      type: 'array',
      minItems: 1,
      description: 'The agents the router can pick.',
      items: {
        type: 'object',
        description: 'An agent under the name the router sees.',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, description: 'Name the router sees; also the Agent name when ref is unset.' },
          ref: referenceStringSchema('The Agent: `namespace.name`, `name` or `agents/name`. @default name'),
          description: { type: 'string', description: 'When to pick this agent; shown to the router.' },
        },
      },
    },
    router: {
      type: 'object',
      description: 'The model that routes between agents.',
      required: ['model'],
      additionalProperties: false,
      properties: {
        model: modelSelectorSchema,
        maxSteps: positiveInteger('Most agent calls per run. @default 10'),
      },
    },
    state: {
      type: 'object',
      description: 'Network state shared by the agents of a run.',
      additionalProperties: false,
      properties: {
        persistence: { type: 'boolean', description: 'Keep state across runs of the same thread. @default false' },
        ttl: positiveInteger('Seconds state is kept after its last change. @default 3600'),
      },
    },
  },
};

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  const refs: RawReference[] = [];
  asArray(spec.agents).forEach((value, i) => {
    const agent = asRecord(value);
    if (!agent) return;
    if (agent.ref !== undefined) refs.push({ kind: 'Agent', ref: agent.ref, at: [...at, 'agents', i, 'ref'] });
    else if (agent.name !== undefined) refs.push({ kind: 'Agent', ref: agent.name, at: [...at, 'agents', i, 'name'] });
  });
  refs.push(...modelSelectorReferences(asRecord(spec.router)?.model, [...at, 'router', 'model']));
  return refs;
}

function specCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes = modelSelectorCauses(asRecord(spec.router)?.model, [...at, 'router', 'model']);
  const seen = new Set<string>();
  asArray(spec.agents).forEach((value, i) => {
    const name = asRecord(value)?.name;
    if (typeof name !== 'string') return;
    if (seen.has(name)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        field: formatFieldPath([...at, 'agents', i, 'name']),
        message: `Duplicate value: ${JSON.stringify(name)}`,
      });
    }
    seen.add(name);
  });
  return causes;
}

export const networkKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.Network,
  ...MASTRA_KIND_PLACEMENT,
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: networkSpecSchema,
  schema: resourceSchema('Network', DESCRIPTION, networkSpecSchema),
  printerColumns: [
    { name: 'Router', type: 'string', jsonPath: '.spec.router.model.*', description: 'The router model.' },
    readyColumn,
    ageColumn,
  ],
  rawReferences,
  specCauses,
  references: specReferences(rawReferences),
};
