import { MASTRA_KIND_PLACEMENT } from '../resource';
import type { FieldCause } from '../api-errors';
import { BUILTIN_KIND_NAMES } from './kind-names';
import type { JsonSchema } from '../kind-definition';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import { specReferences } from '../references';
import { InvalidConditionError, parseStepCondition } from '../workflow-condition';
import { asArray, asRecord, type BuiltinKind, type RawReference } from './builtin-kind';
import { ageColumn, readyColumn, resourceSchema } from './resource-schema';
import { DURATION_PATTERN, freeForm, objectReferenceSchema, positiveInteger } from './spec-schemas';

const DESCRIPTION = 'A graph of steps, each calling an agent or a tool, run as WorkflowRuns.';

/** The pseudo step id that ends a run. */
export const WORKFLOW_END = 'END';
export const STEP_ID_PATTERN = '^[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?$';

const agentRef = objectReferenceSchema('The Agent to call: `name`, `namespace.name`, `agents/name` or {name, namespace}.');
const toolRef = objectReferenceSchema('The Tool to call: `name`, `namespace.name`, `tools/name` or {name, namespace}.');
const workflowRef = objectReferenceSchema('A Workflow run as a nested (child) WorkflowRun: `name`, `namespace.name` or {name, namespace}.');
const input = freeForm('Input mapping, e.g. {type: user-input} (the run input) or {from: <output type or step id>}.');
const output = freeForm('Output description, e.g. {type: ingredients-list}; later steps read it with `from`.');
const stepId = (description: string): JsonSchema => ({
  type: 'string',
  description,
  minLength: 1,
  maxLength: 63,
  pattern: STEP_ID_PATTERN,
});

const retrySchema: JsonSchema = {
  type: 'object',
  description: 'Retries of a failed step, with exponential backoff.',
  additionalProperties: false,
  properties: {
    maxAttempts: positiveInteger('Attempts in total, the first included. @default 1'),
    initialIntervalMs: positiveInteger('Wait before the first retry. @default 1000'),
    backoffCoefficient: { type: 'number', minimum: 1, description: 'Each wait is this times the previous. @default 2' },
    maxIntervalMs: positiveInteger('Longest wait between attempts. @default 60000'),
  },
};

const branchSchema: JsonSchema = {
  type: 'object',
  description: 'A conditional next: the first branch whose condition holds wins; else `next`.',
  required: ['condition', 'next'],
  additionalProperties: false,
  properties: {
    condition: {
      type: 'string',
      minLength: 1,
      description:
        'A test on the step context: `<path> <op> <JSON literal>` with op ==, !=, >, >=, <, <= ' +
        '(e.g. `output.category == "billing"`), or a bare `<path>` for truthiness (workflow-condition.ts).',
    },
    next: { type: 'string', minLength: 1, description: 'Step id to go to, or END.' },
  },
};

const parallelBranchSchema: JsonSchema = {
  type: 'object',
  description: 'One call run concurrently with its siblings; its output is output[<id>] of the step.',
  required: ['id'],
  additionalProperties: false,
  properties: { id: stepId('Id, unique within the step.'), agent: agentRef, tool: toolRef, input, output },
};

const suspendSchema: JsonSchema = {
  type: 'object',
  description: 'Pause the run until it is resumed (human approval); the resume payload is the step output.',
  additionalProperties: false,
  properties: {
    message: { type: 'string', description: 'What the person resuming is asked.' },
    resumeSchema: freeForm('JSON Schema the resume payload must match.'),
  },
};

const foreachSchema: JsonSchema = {
  type: 'object',
  description: 'Run the call once per item of a list; the output is the list of outputs, in order.',
  required: ['items'],
  additionalProperties: false,
  properties: {
    items: { type: 'string', minLength: 1, description: 'Where the list is: `$.input.<path>` or `$.steps.<id>.output.<path>`.' },
    concurrency: positiveInteger('Items run at the same time. @default 1'),
  },
};

const loopSchema: JsonSchema = {
  type: 'object',
  description: 'Repeat the call (each iteration gets the previous output as input) until a condition holds.',
  required: ['until', 'maxIterations'],
  additionalProperties: false,
  properties: {
    until: { type: 'string', minLength: 1, description: 'A branch-style condition on `output` (and `iteration`) that ends the loop.' },
    maxIterations: positiveInteger('The cap; reaching it without the condition fails the step.'),
  },
};

export const workflowStepSchema: JsonSchema = {
  type: 'object',
  description: 'A step: exactly one of agent, tool, parallel, workflow or suspend.',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: stepId('Step id, unique in the workflow; `END` is reserved.'),
    name: { type: 'string', description: 'Display name.' },
    description: { type: 'string', description: 'What the step does.' },
    agent: agentRef,
    tool: toolRef,
    workflow: workflowRef,
    parallel: { type: 'array', minItems: 1, description: 'Calls run concurrently.', items: parallelBranchSchema },
    suspend: suspendSchema,
    foreach: foreachSchema,
    loop: loopSchema,
    input,
    output,
    next: {
      type: 'string',
      minLength: 1,
      description: 'Next step id or END. @default the following step in the list; END after the last',
    },
    branches: { type: 'array', minItems: 1, description: 'Conditional next steps.', items: branchSchema },
    retry: retrySchema,
    timeout: { type: 'string', pattern: DURATION_PATTERN, description: 'Per-attempt limit, e.g. 30s, 500ms, 5m.' },
  },
};

export const workflowSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The steps and where to start.',
  required: ['steps'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'Display name.' },
    description: { type: 'string', description: 'What the workflow does.' },
    initialStep: { type: 'string', minLength: 1, description: 'Id of the first step. @default the first step' },
    inputSchema: freeForm('JSON Schema of the run input.'),
    steps: { type: 'array', minItems: 1, description: 'The steps.', items: workflowStepSchema },
  },
};

const CALL_FIELDS = ['agent', 'tool'] as const;
const STEP_KINDS = ['agent', 'tool', 'parallel', 'workflow', 'suspend'] as const;

function callReferences(call: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  const refs: RawReference[] = [];
  if (call.agent !== undefined) refs.push({ kind: 'Agent', ref: call.agent, at: [...at, 'agent'] });
  if (call.tool !== undefined) refs.push({ kind: 'Tool', ref: call.tool, at: [...at, 'tool'] });
  return refs;
}

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  const refs: RawReference[] = [];
  asArray(spec.steps).forEach((value, i) => {
    const step = asRecord(value);
    if (!step) return;
    refs.push(...callReferences(step, [...at, 'steps', i]));
    if (step.workflow !== undefined) refs.push({ kind: 'Workflow', ref: step.workflow, at: [...at, 'steps', i, 'workflow'] });
    asArray(step.parallel).forEach((branch, j) => {
      const call = asRecord(branch);
      if (call) refs.push(...callReferences(call, [...at, 'steps', i, 'parallel', j]));
    });
  });
  return refs;
}

function exactlyOne(call: Record<string, unknown>, fields: readonly string[], at: FieldPathSegment[]): FieldCause[] {
  const set = fields.filter((field) => call[field] !== undefined);
  if (set.length === 1) return [];
  return [
    {
      reason: set.length === 0 ? 'FieldValueRequired' : 'FieldValueInvalid',
      field: formatFieldPath(at),
      message:
        set.length === 0
          ? `Required value: set one of ${fields.join(', ')}`
          : `Invalid value: set only one of ${fields.join(', ')}, found ${set.join(', ')}`,
    },
  ];
}

function specCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes: FieldCause[] = [];
  asArray(spec.steps).forEach((value, i) => {
    const step = asRecord(value);
    if (!step) return;
    causes.push(...exactlyOne(step, STEP_KINDS, [...at, 'steps', i]));
    for (const modifier of ['foreach', 'loop'] as const) {
      if (step[modifier] !== undefined && step.agent === undefined && step.tool === undefined && step.workflow === undefined) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: formatFieldPath([...at, 'steps', i, modifier]),
          message: `Invalid value: ${modifier} needs an agent, tool or workflow call`,
        });
      }
    }
    const until = asRecord(step.loop)?.until;
    if (typeof until === 'string' && until !== '') {
      try {
        parseStepCondition(until);
      } catch (error) {
        if (!(error instanceof InvalidConditionError)) throw error;
        causes.push({
          reason: 'FieldValueInvalid',
          field: formatFieldPath([...at, 'steps', i, 'loop', 'until']),
          message: `Invalid value: ${JSON.stringify(until)}: ${error.problem}`,
        });
      }
    }
    asArray(step.branches).forEach((branchValue, j) => {
      const condition = asRecord(branchValue)?.condition;
      if (typeof condition !== 'string' || condition === '') return;
      try {
        parseStepCondition(condition);
      } catch (error) {
        if (!(error instanceof InvalidConditionError)) throw error;
        causes.push({
          reason: 'FieldValueInvalid',
          field: formatFieldPath([...at, 'steps', i, 'branches', j, 'condition']),
          message: `Invalid value: ${JSON.stringify(condition)}: ${error.problem}`,
        });
      }
    });
    const ids = new Set<string>();
    asArray(step.parallel).forEach((branchValue, j) => {
      const branch = asRecord(branchValue);
      if (!branch) return;
      causes.push(...exactlyOne(branch, CALL_FIELDS, [...at, 'steps', i, 'parallel', j]));
      if (typeof branch.id === 'string') {
        if (ids.has(branch.id)) {
          causes.push({
            reason: 'FieldValueDuplicate',
            field: formatFieldPath([...at, 'steps', i, 'parallel', j, 'id']),
            message: `Duplicate value: ${JSON.stringify(branch.id)}`,
          });
        }
        ids.add(branch.id);
      }
    });
  });
  return causes;
}

export const workflowKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.Workflow,
  ...MASTRA_KIND_PLACEMENT,
  subresources: [{ name: 'execute', verbs: ['create'] }],
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: workflowSpecSchema,
  schema: resourceSchema('Workflow', DESCRIPTION, workflowSpecSchema),
  printerColumns: [
    { name: 'Initial step', type: 'string', jsonPath: '.spec.initialStep', description: 'Where runs start.' },
    readyColumn,
    ageColumn,
  ],
  rawReferences,
  specCauses,
  references: specReferences(rawReferences),
};
