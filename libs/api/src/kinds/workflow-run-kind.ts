import { MASTRA_KIND_PLACEMENT } from '../resource';
import type { FieldCause } from '../api-errors';
import type { JsonSchema } from '../kind-definition';
import type { FieldPathSegment } from '../field-path';
import { specReferences } from '../references';
import type { BuiltinKind, RawReference } from './builtin-kind';
import { ageColumn, resourceSchema } from './resource-schema';
import { freeForm, objectReferenceSchema } from './spec-schemas';

const DESCRIPTION = 'One execution of a Workflow: its input, and (in status) every step as the executor recorded it.';

/** Phases of a run, in `status.phase`. */
export const WORKFLOW_RUN_PHASES = ['Pending', 'Running', 'Suspended', 'Succeeded', 'Failed', 'Cancelled'] as const;
export type WorkflowRunPhase = (typeof WORKFLOW_RUN_PHASES)[number];

export const workflowRunSpecSchema: JsonSchema = {
  type: 'object',
  description: 'Which workflow to run, with what input; `cancel` and `resume` steer a run in flight.',
  required: ['workflowRef'],
  additionalProperties: false,
  properties: {
    workflowRef: objectReferenceSchema('The Workflow to run: `name`, `namespace.name`, `workflows/name` or {name, namespace}.'),
    input: { description: 'The run input (any JSON); steps read it with `input: {type: user-input}` or `$.input.<path>`.', 'x-kubernetes-preserve-unknown-fields': true },
    idempotencyKey: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description: 'A caller key for the run; step idempotency keys derive from the run uid either way.',
    },
    cancel: { type: 'boolean', description: 'Set to true (by patch) to cancel the run; steps in flight are aborted. @default false' },
    resume: freeForm('Resume payloads of suspended steps, by step id: `{<stepId>: <payload>}` (what `kastra resume` patches in).'),
  },
};

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  return spec.workflowRef === undefined ? [] : [{ kind: 'Workflow', ref: spec.workflowRef, at: [...at, 'workflowRef'] }];
}

function specCauses(): FieldCause[] {
  return [];
}

export const workflowRunKind: BuiltinKind = {
  kind: 'WorkflowRun',
  plural: 'workflowruns',
  singular: 'workflowrun',
  shortNames: ['wfr'],
  ...MASTRA_KIND_PLACEMENT,
  subresources: [{ name: 'resume', verbs: ['create'] }, { name: 'events', verbs: ['get'] }],
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: workflowRunSpecSchema,
  schema: resourceSchema('WorkflowRun', DESCRIPTION, workflowRunSpecSchema),
  printerColumns: [
    { name: 'Workflow', type: 'string', jsonPath: '.spec.workflowRef', description: 'The Workflow run.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Running, Suspended, Succeeded, Failed or Cancelled.' },
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
