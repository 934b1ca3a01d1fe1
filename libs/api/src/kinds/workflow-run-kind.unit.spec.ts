import { findKindByName } from '../kind-registry';
import { validateResource } from '../validate-resource';

const run = (spec: unknown) => ({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'r1', namespace: 'cooking' }, spec });
const workflow = (steps: unknown[]) => ({ apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: 'w', namespace: 'default' }, spec: { steps } });

describe('the WorkflowRun kind', () => {
  it('is found by its names and refers to its Workflow', () => {
    // Given the registry
    const kind = findKindByName('wfr');
    // When resolving the references of a run
    const refs = kind?.references(run({ workflowRef: 'recipe-suggestion' }) as never);
    // Then the run points at the Workflow in its own namespace
    expect(findKindByName('workflowruns')?.kind).toBe('WorkflowRun');
    expect(refs).toEqual([{ kind: 'Workflow', namespace: 'cooking', name: 'recipe-suggestion', field: 'spec.workflowRef' }]);
  });

  it('accepts any JSON input, cancel and resume payloads', () => {
    expect(validateResource(run({ workflowRef: 'default.w', input: { message: 'eggs' }, cancel: true, resume: { approve: { ok: true } } }))).toEqual([]);
    expect(validateResource(run({ workflowRef: { name: 'w' }, input: 'just text' }))).toEqual([]);
  });

  it.each([
    ['no workflowRef', run({ input: {} }), 'spec.workflowRef'],
    ['a bad workflowRef', run({ workflowRef: 'Bad_Name' }), 'spec.workflowRef'],
    ['an unknown field', run({ workflowRef: 'w', inptu: {} }), 'spec.inptu'],
    ['a non-boolean cancel', run({ workflowRef: 'w', cancel: 'yes' }), 'spec.cancel'],
  ])('rejects %s', (_, manifest, field) => {
    expect(validateResource(manifest).map((cause) => cause.field)).toContain(field);
  });
});

describe('the Workflow step kinds the executor adds', () => {
  it('accepts suspend, nested workflow, foreach and loop steps', () => {
    // Given steps of every new kind
    const manifest = workflow([
      { id: 'approve', suspend: { message: 'ok?', resumeSchema: { type: 'object', required: ['ok'] } } },
      { id: 'child', workflow: 'default.other' },
      { id: 'each', tool: 't', foreach: { items: '$.input.list', concurrency: 2 } },
      { id: 'again', agent: 'a', loop: { until: 'output.done == true', maxIterations: 3 } },
    ]);
    // Then they validate and the nested workflow is a reference
    expect(validateResource(manifest)).toEqual([]);
    expect(findKindByName('Workflow')?.references(manifest as never)).toContainEqual({ kind: 'Workflow', namespace: 'default', name: 'other', field: 'spec.steps[1].workflow' });
  });

  it.each([
    ['suspend with a tool', [{ id: 'a', suspend: {}, tool: 't' }], 'spec.steps[0]'],
    ['foreach without a call', [{ id: 'a', suspend: {}, foreach: { items: '$.input.x' } }], 'spec.steps[0].foreach'],
    ['a loop without a cap', [{ id: 'a', tool: 't', loop: { until: 'output.ok' } }], 'spec.steps[0].loop.maxIterations'],
    ['a loop with a bad condition', [{ id: 'a', tool: 't', loop: { until: 'output.x ===', maxIterations: 2 } }], 'spec.steps[0].loop.until'],
    ['a foreach concurrency of zero', [{ id: 'a', tool: 't', foreach: { items: '$.input.x', concurrency: 0 } }], 'spec.steps[0].foreach.concurrency'],
  ])('rejects %s', (_, steps, field) => {
    expect(validateResource(workflow(steps)).map((cause) => cause.field)).toContain(field);
  });
});
