import { findKindByName } from '../kind-registry';
import { evaluateJsonPath } from '../json-path';
import { validateResource } from '../validate-resource';

const run = (spec: unknown) => ({ apiVersion: 'mastra.ai/v1', kind: 'NetworkRun', metadata: { name: 'r1', namespace: 'research' }, spec });
const network = (spec: Record<string, unknown>) => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'Network',
  metadata: { name: 'n', namespace: 'research' },
  spec: { router: { model: { ref: 'router-llm' } }, agents: [{ name: 'search' }], ...spec },
});

describe('the NetworkRun kind', () => {
  it('is found by its names and refers to its Network', () => {
    // Given the registry
    const kind = findKindByName('nwr');
    // When resolving the references of a run
    const refs = kind?.references(run({ networkRef: 'research-network', message: 'go' }) as never);
    // Then the run points at the Network in its own namespace
    expect(findKindByName('networkruns')?.kind).toBe('NetworkRun');
    expect(kind).toMatchObject({ group: 'mastra.ai', version: 'v1', namespaced: true, hasStatus: true, singular: 'networkrun' });
    expect(refs).toEqual([{ kind: 'Network', namespace: 'research', name: 'research-network', field: 'spec.networkRef' }]);
  });

  it('shows the network, phase, steps, the Succeeded condition and age', () => {
    const kind = findKindByName('NetworkRun')!;
    const object = { ...run({ networkRef: 'n', message: 'go' }), status: { phase: 'Succeeded', steps: 3, conditions: [{ type: 'Succeeded', status: 'True' }] } };
    expect(kind.printerColumns.map((column) => column.name)).toEqual(['Network', 'Phase', 'Steps', 'Succeeded', 'Age']);
    expect(kind.printerColumns.slice(0, 4).map((column) => evaluateJsonPath(object, column.jsonPath))).toEqual(['n', 'Succeeded', '3', 'True']);
  });

  it('accepts a task with a thread, a step limit and cancel', () => {
    expect(validateResource(run({ networkRef: 'default.n', message: 'find and summarise', threadId: 'user-42.chat_1', maxSteps: 4, cancel: true }))).toEqual([]);
    expect(validateResource(run({ networkRef: { name: 'n' }, message: 'go' }))).toEqual([]);
  });

  it.each([
    ['no networkRef', run({ message: 'go' }), 'spec.networkRef'],
    ['no message', run({ networkRef: 'n' }), 'spec.message'],
    ['an empty message', run({ networkRef: 'n', message: '' }), 'spec.message'],
    ['a thread id with a colon', run({ networkRef: 'n', message: 'go', threadId: 'a:b' }), 'spec.threadId'],
    ['zero steps', run({ networkRef: 'n', message: 'go', maxSteps: 0 }), 'spec.maxSteps'],
    ['an unknown field', run({ networkRef: 'n', message: 'go', mesage: 'x' }), 'spec.mesage'],
  ])('rejects %s', (_, manifest, field) => {
    expect(validateResource(manifest).map((cause) => cause.field)).toContain(field);
  });
});

describe('workflows as members of a Network', () => {
  it('refers to each workflow member, by ref or by name', () => {
    const manifest = network({ workflows: [{ name: 'etl', ref: 'default.data-processing', description: 'loads data' }, { name: 'report' }] });
    expect(validateResource(manifest)).toEqual([]);
    expect(findKindByName('Network')?.references(manifest as never)).toEqual(
      expect.arrayContaining([
        { kind: 'Agent', namespace: 'research', name: 'search', field: 'spec.agents[0].name' },
        { kind: 'Workflow', namespace: 'default', name: 'data-processing', field: 'spec.workflows[0].ref' },
        { kind: 'Workflow', namespace: 'research', name: 'report', field: 'spec.workflows[1].name' },
      ]),
    );
  });

  it('refuses a member name used twice across agents and workflows, and the name done', () => {
    const causes = validateResource(network({ agents: [{ name: 'search' }, { name: 'done' }], workflows: [{ name: 'search', ref: 'w' }] }));
    expect(causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'spec.agents[1].name' }),
        expect.objectContaining({ reason: 'FieldValueDuplicate', field: 'spec.workflows[0].name' }),
      ]),
    );
  });
});
