import type { Condition, Resource } from '@kastra/api';
import type { ExampleManifest } from './example-manifests';
import { formatSummaryTable, readinessOf } from './resource-readiness';

function resource(kind: string, conditions: Partial<Condition>[], generation = 1): Resource {
  return {
    apiVersion: 'mastra.ai/v1',
    kind,
    metadata: { name: 'x', generation },
    status: { conditions: conditions.map((c) => ({ reason: 'R', message: '', lastTransitionTime: '', status: 'True', type: 'Ready', ...c })) },
  };
}

describe('readinessOf', () => {
  it('is Ready on Ready=True and NotReady without conditions or on Ready=False', () => {
    expect(readinessOf(resource('Agent', [{ type: 'Ready', status: 'True' }])).state).toBe('Ready');
    expect(readinessOf(resource('Agent', [])).state).toBe('NotReady');
    const notReady = readinessOf(resource('Agent', [{ type: 'Ready', status: 'False', reason: 'ModelNotFound' }]));
    expect(notReady).toMatchObject({ state: 'NotReady', condition: { reason: 'ModelNotFound' } });
  });

  it('judges runs by Succeeded', () => {
    expect(readinessOf(resource('WorkflowRun', [{ type: 'Succeeded', status: 'True' }])).state).toBe('Ready');
    expect(readinessOf(resource('WorkflowRun', [{ type: 'Succeeded', status: 'False' }])).state).toBe('Failed');
  });

  it('judges CustomResourceDefinitions by Established (their kind is served)', () => {
    expect(readinessOf(resource('CustomResourceDefinition', [{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }])).state).toBe('Ready');
    expect(readinessOf(resource('CustomResourceDefinition', [{ type: 'Established', status: 'False', reason: 'NameConflict' }]))).toMatchObject({ state: 'NotReady', condition: { reason: 'NameConflict' } });
  });

  it('ignores a condition about an older generation', () => {
    // Given Ready=True observed at generation 1 while the spec is at generation 2
    const stale = resource('Agent', [{ type: 'Ready', status: 'True', observedGeneration: 1 }], 2);
    // Then it is not Ready yet
    expect(readinessOf(stale).state).toBe('NotReady');
  });
});

describe('formatSummaryTable', () => {
  it('aligns the columns and flattens long messages', () => {
    const manifest = (kind: string, name: string): ExampleManifest => ({ file: 'f', kind, name, namespace: 'default', yaml: '', waitForReady: true });
    const table = formatSummaryTable([
      { manifest: manifest('LLM', 'mock-llm'), state: 'Ready', reason: 'Resolved' },
      { manifest: manifest('Workflow', 'w'), state: 'NotReady', reason: 'StepUnresolved', message: `line one\n${'x'.repeat(200)}` },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+STATE\s+REASON\s+MESSAGE$/);
    expect(lines[1].indexOf('mock-llm')).toBe(lines[0].search(/\bNAME\b/));
    expect(lines[2]).toContain('line one x');
    expect(lines[2].length).toBeLessThan(200);
  });
});
