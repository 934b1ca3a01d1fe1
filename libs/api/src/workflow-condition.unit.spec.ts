import { evaluateStepCondition, InvalidConditionError, parseStepCondition } from './workflow-condition';
import { validateResource } from './validate-resource';

const context = { input: { message: 'hi' }, output: { category: 'billing', score: 0.8, tags: ['a'], ok: true, none: null } };

describe('step conditions', () => {
  it.each([
    ['output.category == "billing"', true],
    ['output.category != "billing"', false],
    ['output.score > 0.5', true],
    ['output.score <= 0.5', false],
    ['output.tags[0] == "a"', true],
    ['output.tags == ["a"]', true],
    ['output.ok', true],
    ['output.none', false],
    ['output.missing', false],
    ['output.missing != "x"', true],
    ['output.category > 5', false],
  ] as Array<[string, boolean]>)('%s → %s', (condition, expected) => {
    expect(evaluateStepCondition(condition, context)).toBe(expected);
  });

  it.each([
    ['output.category == billing', 'is not a JSON value'],
    ["output.category == 'billing'", 'is not a JSON value'],
    ['== "x"', 'expected'],
    ['1 + 1', 'expected'],
    ['output..x', 'expected a field name'],
  ])('rejects %p', (condition, problem) => {
    expect(() => parseStepCondition(condition)).toThrow(InvalidConditionError);
    expect(() => parseStepCondition(condition)).toThrow(problem);
  });

  it('is checked when a Workflow is validated', () => {
    const causes = validateResource({
      apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: 'w' },
      spec: { steps: [{ id: 'a', agent: 'x', branches: [{ condition: 'output.kind == billing', next: 'END' }] }] },
    });
    expect(causes).toEqual([expect.objectContaining({ field: 'spec.steps[0].branches[0].condition', reason: 'FieldValueInvalid' })]);
  });
});
