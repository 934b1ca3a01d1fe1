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

const DESCRIPTION = 'Agents (and workflows) that collaborate: a router model picks the next member each step, sharing network state.';

/** The router's answer when no member should work any more; no member may be called so. */
export const NETWORK_DONE = 'done';

function memberSchema(description: string, refDescription: string, kind: 'Agent' | 'Workflow'): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, description: `Name the router sees; also the ${kind} name when ref is unset. Unique among agents and workflows; not \`${NETWORK_DONE}\`.` },
      ref: referenceStringSchema(refDescription),
      description: { type: 'string', description: `When to pick this member; shown to the router. @default the ${kind === 'Agent' ? "Agent's instructions" : "Workflow's description"}` },
    },
  };
}

export const networkSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The members (agents, workflows), the router and the shared state.',
  required: ['agents', 'router'],
  additionalProperties: false,
  properties: {
    instructions: { type: 'string', description: 'What the network is for; given to the router.' },
    agents: {
      type: 'array',
      minItems: 1,
      description: 'The agents the router can pick.',
      items: memberSchema('An agent under the name the router sees.', 'The Agent: `namespace.name`, `name` or `agents/name`. @default name', 'Agent'),
    },
    workflows: {
      type: 'array',
      description: 'Workflows the router can pick besides the agents; each runs as a child WorkflowRun of the NetworkRun.',
      items: memberSchema('A workflow under the name the router sees.', 'The Workflow: `namespace.name`, `name` or `workflows/name`. @default name', 'Workflow'),
    },
    router: {
      type: 'object',
      description: 'The model that routes between the members.',
      required: ['model'],
      additionalProperties: false,
      properties: {
        model: modelSelectorSchema,
        maxSteps: positiveInteger('Most member turns per run. @default 10'),
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

/** The lists of members and the kind each refers to. */
const MEMBER_LISTS = [
  ['agents', 'Agent'],
  ['workflows', 'Workflow'],
] as const;

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  const refs: RawReference[] = [];
  for (const [list, kind] of MEMBER_LISTS) {
    asArray(spec[list]).forEach((value, i) => {
      const member = asRecord(value);
      if (!member) return;
      if (member.ref !== undefined) refs.push({ kind, ref: member.ref, at: [...at, list, i, 'ref'] });
      else if (member.name !== undefined) refs.push({ kind, ref: member.name, at: [...at, list, i, 'name'] });
    });
  }
  refs.push(...modelSelectorReferences(asRecord(spec.router)?.model, [...at, 'router', 'model']));
  return refs;
}

function specCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes = modelSelectorCauses(asRecord(spec.router)?.model, [...at, 'router', 'model']);
  // The router names members by name alone, agents and workflows alike.
  const seen = new Set<string>();
  for (const [list] of MEMBER_LISTS) {
    asArray(spec[list]).forEach((value, i) => {
      const name = asRecord(value)?.name;
      if (typeof name !== 'string') return;
      const field = formatFieldPath([...at, list, i, 'name']);
      if (name === NETWORK_DONE) {
        causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(name)}: the router answers "${NETWORK_DONE}" when the task is finished, so no member may be called so` });
      } else if (seen.has(name)) {
        causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(name)}` });
      }
      seen.add(name);
    });
  }
  return causes;
}

export const networkKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.Network,
  ...MASTRA_KIND_PLACEMENT,
  // POST .../networks/NAME/generate starts a NetworkRun and waits for (or streams) it.
  subresources: [{ name: 'generate', verbs: ['create'] }],
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
