import { validateResource } from '@kastra/api';
import { MIGRATION_TODO_ANNOTATION } from './migrate-mastra-context';
import { convertTexts, specOf } from './migrate-mastra-test-helpers';

const steps = `
  import { createStep, createWorkflow } from '@mastra/core/workflows';
  import { z } from 'zod';
  const n = z.object({ value: z.number() });
  const double = createStep({ id: 'double', inputSchema: n, outputSchema: n, execute: async ({ inputData }) => ({ value: inputData.value * 2 }) });
  const addOne = createStep({ id: 'add-one', inputSchema: n, outputSchema: n, execute: async ({ inputData }) => ({ value: inputData.value + 1 }) });
  const square = createStep({ id: 'square', inputSchema: n, outputSchema: n, execute: async ({ inputData }) => ({ value: inputData.value ** 2 }) });
`;
const workflow = (chain: string, extra = '') => ({
  'wf.ts': `${steps}\n${extra}\nexport const wf = createWorkflow({ id: 'math', inputSchema: n, outputSchema: n })${chain}.commit();`,
});

describe('kastra migrate mastra: createWorkflow', () => {
  it('.then() steps become tool steps in order, each createStep a script Tool', () => {
    const project = convertTexts(workflow('.then(double).then(addOne)'));
    expect(specOf(project.find('Workflow', 'math')).steps).toEqual([
      { id: 'double', tool: 'math-double' },
      { id: 'add-one', tool: 'math-add-one' },
    ]);
    expect(project.names('Tool')).toEqual(['math-double', 'math-add-one']);
    expect(specOf(project.find('Tool', 'math-double')).script.code).toContain('inputData: input');
    // square is defined but no workflow uses it: reported, not silently dropped
    expect(project.entries('createStep', 'not translated')[0].detail).toContain('not used by any workflow');
    expect(project.find('Workflow', 'math').metadata.annotations?.[MIGRATION_TODO_ANNOTATION]).toBeUndefined();
  });

  it('.branch() puts conditions on the step before; the arms go on to the step after, which gets their outputs', () => {
    const project = convertTexts(
      workflow(`.then(double).branch([
        [async ({ inputData }) => inputData.value > 10, addOne],
        [async ({ inputData: { value } }) => value <= 10, square],
      ]).then(double)`),
    );
    const spec = specOf(project.find('Workflow', 'math'));
    expect(spec.steps).toEqual([
      { id: 'double', tool: 'math-double', branches: [{ condition: 'output.value > 10', next: 'add-one' }, { condition: 'output.value <= 10', next: 'square' }], next: 'double-2' },
      { id: 'add-one', tool: 'math-add-one', next: 'double-2' },
      { id: 'square', tool: 'math-square', next: 'double-2' },
      { id: 'double-2', tool: 'math-double', input: { 'add-one': '$.steps.add-one.output', square: '$.steps.square.output' } },
    ]);
    expect(project.entries('.branch()', 'approximated')[0].detail).toContain('first arm');
  });

  it('a branch condition the migration cannot read is never taken, with a TODO and a report line', () => {
    const project = convertTexts(workflow(`.then(double).branch([[async ({ inputData }) => check(inputData), addOne]])`, 'declare function check(x: unknown): boolean;'));
    const wf = project.find('Workflow', 'math');
    expect(specOf(wf).steps[0].branches).toEqual([{ condition: 'output.__condition_not_migrated', next: 'add-one' }]);
    expect(wf.metadata.annotations?.[MIGRATION_TODO_ANNOTATION]).toContain('write the condition of the branch to add-one');
    expect(project.entries('.branch()', 'not translated')).toHaveLength(1);
    expect(validateResource(wf)).toEqual([]);
  });

  it('.parallel() becomes one parallel step keyed by member id, as Mastra keys its output', () => {
    const project = convertTexts(workflow('.parallel([double, square]).then(addOne)'));
    expect(specOf(project.find('Workflow', 'math')).steps).toEqual([
      { id: 'parallel', parallel: [{ id: 'double', tool: 'math-double' }, { id: 'square', tool: 'math-square' }] },
      { id: 'add-one', tool: 'math-add-one' },
    ]);
  });

  it('an agent as a step (createStep(agent)) becomes an agent step; a nested workflow a workflow step', () => {
    const project = convertTexts({
      ...workflow(
        '.then(double).then(inner).then(createStep(helper))',
        `
        import { Agent } from '@mastra/core/agent';
        const helper = new Agent({ id: 'helper', instructions: 'x', model: 'openai/gpt-4o' });
        const inner = createWorkflow({ id: 'inner', inputSchema: n, outputSchema: n }).then(addOne).commit();
      `,
      ),
    });
    expect(specOf(project.find('Workflow', 'math')).steps).toEqual([
      { id: 'double', tool: 'math-double' },
      { id: 'inner', workflow: 'inner' },
      { id: 'helper', agent: 'helper' },
    ]);
    expect(project.names('Workflow').sort()).toEqual(['inner', 'math']);
  });

  it('.dountil() is a capped loop; .foreach() a foreach over the previous output', () => {
    const loop = convertTexts(workflow('.dountil(addOne, async ({ inputData }) => inputData.value >= 5)'));
    expect(specOf(loop.find('Workflow', 'math')).steps).toEqual([{ id: 'add-one', tool: 'math-add-one', loop: { until: 'output.value >= 5', maxIterations: 100 } }]);
    const each = convertTexts(workflow('.then(double).foreach(square, { concurrency: 2 })'));
    expect(specOf(each.find('Workflow', 'math')).steps[1]).toEqual({ id: 'square', tool: 'math-square', foreach: { items: '$.steps.double.output', concurrency: 2 } });
  });

  it('what has no Kastra equivalent (sleep, outputSchema) is reported, never silently dropped', () => {
    const project = convertTexts(workflow('.then(double).sleep(1000).then(addOne)'));
    expect(specOf(project.find('Workflow', 'math')).steps.map((s: { id: string }) => s.id)).toEqual(['double', 'add-one']);
    expect(project.entries('.sleep()', 'not translated')).toHaveLength(1);
    expect(project.entries('Workflow math: outputSchema', 'not translated')).toHaveLength(1);
  });

  it('a step whose execute uses the Mastra runtime (getStepResult, suspend) is a TODO Tool', () => {
    const project = convertTexts(
      workflow('.then(double).then(uses)', `const uses = createStep({ id: 'uses', inputSchema: n, outputSchema: n, execute: async ({ inputData, getInitData }) => ({ value: getInitData().value }) });`),
    );
    const tool = project.find('Tool', 'math-uses');
    expect(tool.metadata.annotations?.[MIGRATION_TODO_ANNOTATION]).toContain('getInitData');
    expect(project.entries('Step uses: execute', 'not translated')).toHaveLength(1);
  });

  it('every workflow and tool written validates as the API server would', () => {
    const project = convertTexts(workflow('.then(double).branch([[async ({ inputData }) => inputData.value > 1, addOne]]).parallel([square, double])'));
    for (const resource of project.resources) expect({ name: resource.metadata.name, causes: validateResource(resource) }).toEqual({ name: resource.metadata.name, causes: [] });
  });
});
