import { initialStepOf, stepTransitions, validateWorkflowGraph } from './workflow-graph';

const step = (id: string, extra: Record<string, unknown> = {}) => ({ id, agent: 'a', ...extra });

describe('validateWorkflowGraph', () => {
  it.each([
    ['a linear list with implicit END', { steps: [step('a'), step('b')] }],
    ['explicit next and END', { initialStep: 'a', steps: [step('a', { next: 'b' }), step('b', { next: 'END' })] }],
    ['a retry loop with a conditional way out', {
      steps: [step('draft'), step('review', { branches: [{ condition: 'output.ok', next: 'END' }], next: 'draft' })] }],
    ['an initialStep that is not first', { initialStep: 'b', steps: [step('a', { next: 'END' }), step('b', { next: 'a' })] }],
  ])('accepts %s', (_, spec) => {
    expect(validateWorkflowGraph(spec)).toEqual([]);
  });

  it.each([
    ['no steps', { steps: [] }, { field: 'spec.steps', reason: 'FieldValueRequired' }],
    ['an unknown initialStep', { initialStep: 'nope', steps: [step('a')] },
      { field: 'spec.initialStep', reason: 'FieldValueNotFound', message: 'Not found: "nope": no step has this id' }],
    ['duplicate step ids', { steps: [step('a'), step('a')] }, { field: 'spec.steps[1].id', reason: 'FieldValueDuplicate' }],
    ['a step called END', { steps: [step('a'), step('END')] }, { field: 'spec.steps[1].id', reason: 'FieldValueInvalid' }],
    ['a dangling next', { steps: [step('a'), step('b', { next: 'c' })] },
      { field: 'spec.steps[1].next', reason: 'FieldValueNotFound', message: 'Not found: "c": must be a step id or END' }],
    ['a dangling branch', { steps: [step('a', { branches: [{ condition: 'x', next: 'zz' }] })] },
      { field: 'spec.steps[0].branches[0].next', reason: 'FieldValueNotFound' }],
    ['an unreachable step', { steps: [step('a', { next: 'END' }), step('b')] },
      { field: 'spec.steps[1]', reason: 'FieldValueInvalid', message: 'Invalid value: step "b" is not reachable from the initial step "a"' }],
    ['a loop with no way out', { steps: [step('a', { next: 'b' }), step('b', { next: 'a' }), step('c')] },
      { field: 'spec.steps[0]', reason: 'FieldValueInvalid', message: 'Invalid value: step "a" never reaches END: it is in a loop with no way out' }],
    ['a self loop', { steps: [step('a', { next: 'a' })] }, { field: 'spec.steps[0]', reason: 'FieldValueInvalid' }],
  ])('rejects %s', (_, spec, expected) => {
    expect(validateWorkflowGraph(spec)).toContainEqual(expect.objectContaining(expected));
  });

  it('reports a dangling next once, not also as a step that never ends', () => {
    expect(validateWorkflowGraph({ steps: [step('a', { next: 'b' }), step('b', { next: 'c' })] })).toEqual([
      { field: 'spec.steps[1].next', reason: 'FieldValueNotFound', message: 'Not found: "c": must be a step id or END' },
    ]);
  });

  it('names fields under a given prefix (System children)', () => {
    const causes = validateWorkflowGraph({ steps: [step('a', { next: 'x' })] }, ['spec', 'workflows', 0, 'spec']);
    expect(causes).toEqual([expect.objectContaining({ field: 'spec.workflows[0].spec.steps[0].next' })]);
  });

  it('tolerates a malformed spec', () => {
    expect(validateWorkflowGraph(undefined)).toEqual([expect.objectContaining({ field: 'spec.steps' })]);
    expect(validateWorkflowGraph({ steps: [null, 5] })).toEqual([]);
  });
});

describe('step transitions', () => {
  const spec = { steps: [step('a', { branches: [{ condition: 'output.x == 1', next: 'c' }] }), step('b', { next: 'END' }), step('c')] };

  it('lists branches first, then the default: the following step', () => {
    expect(stepTransitions(spec, 0)).toEqual([
      { target: 'c', field: 'spec.steps[0].branches[0].next', condition: 'output.x == 1' },
      { target: 'b' },
    ]);
  });

  it('ends after the last step and honours an explicit next', () => {
    expect(stepTransitions(spec, 1)).toEqual([{ target: 'END', field: 'spec.steps[1].next' }]);
    expect(stepTransitions(spec, 2)).toEqual([{ target: 'END' }]);
  });

  it('starts at initialStep, else at the first step', () => {
    expect(initialStepOf(spec)).toBe('a');
    expect(initialStepOf({ ...spec, initialStep: 'c' })).toBe('c');
    expect(initialStepOf({ steps: [] })).toBeUndefined();
  });
});
