import { MASTRA_KIND_PLACEMENT } from '../resource';
import type { FieldCause } from '../api-errors';
import type { JsonSchema } from '../kind-definition';
import type { FieldPathSegment } from '../field-path';
import { specReferences } from '../references';
import type { BuiltinKind, RawReference } from './builtin-kind';
import { ageColumn, resourceSchema } from './resource-schema';
import { objectReferenceSchema, positiveInteger } from './spec-schemas';

const DESCRIPTION = 'One execution of a Network: a task, routed step by step by its router model to its members until it answers.';

/** Phases of a network run, in `status.phase`. */
export const NETWORK_RUN_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Cancelled'] as const;
export type NetworkRunPhase = (typeof NETWORK_RUN_PHASES)[number];

/** A conversation id: what an agent's memory thread and a network's state are kept under. */
export const THREAD_ID_PATTERN = '^[A-Za-z0-9._-]{1,200}$';

export const networkRunSpecSchema: JsonSchema = {
  type: 'object',
  description: 'Which network to run, on what task; `cancel` stops a run in flight.',
  required: ['networkRef', 'message'],
  additionalProperties: false,
  properties: {
    networkRef: objectReferenceSchema('The Network to run: `name`, `namespace.name`, `networks/name` or {name, namespace}.'),
    message: { type: 'string', minLength: 1, description: 'The task, as the router and the first member read it.' },
    threadId: {
      type: 'string',
      pattern: THREAD_ID_PATTERN,
      description:
        'A conversation: a later run of the same thread sees the earlier tasks and answers, its agents their memory of it, and (with spec.state.persistence) its state. @default the run uid',
    },
    maxSteps: positiveInteger("Most member turns of this run; at most the Network's router.maxSteps (a larger value fails the run). @default router.maxSteps"),
    cancel: { type: 'boolean', description: 'Set to true (by patch) to cancel the run; the member in flight is aborted. @default false' },
  },
};

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  return spec.networkRef === undefined ? [] : [{ kind: 'Network', ref: spec.networkRef, at: [...at, 'networkRef'] }];
}

function specCauses(): FieldCause[] {
  return [];
}

export const networkRunKind: BuiltinKind = {
  kind: 'NetworkRun',
  plural: 'networkruns',
  singular: 'networkrun',
  shortNames: ['nwr'],
  ...MASTRA_KIND_PLACEMENT,
  // GET .../networkruns/NAME/events: the run's events as Server-Sent Events.
  subresources: [{ name: 'events', verbs: ['get'] }],
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: networkRunSpecSchema,
  schema: resourceSchema('NetworkRun', DESCRIPTION, networkRunSpecSchema),
  printerColumns: [
    { name: 'Network', type: 'string', jsonPath: '.spec.networkRef', description: 'The Network run.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Running, Succeeded, Failed or Cancelled.' },
    { name: 'Steps', type: 'integer', jsonPath: '.status.steps', description: 'Member turns so far.' },
    {
      name: 'Succeeded',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Succeeded")].status',
      description: 'Status of the Succeeded condition (set when the run ends).',
    },
    ageColumn,
  ],
  rawReferences,
  specCauses,
  references: specReferences(rawReferences),
};
