import { findKindByPlural, type KindDefinition, type Resource } from '@kastra/api';
import { humanDuration } from './human-duration';
import { buildTable } from './resource-table';

const llms = findKindByPlural('llms') as KindDefinition;
const now = new Date('2025-06-01T12:00:00Z');

function llm(name: string, created: string, ready?: 'True' | 'False'): Resource {
  return {
    apiVersion: 'mastra.ai/v1',
    kind: 'LLM',
    metadata: { name, namespace: 'default', creationTimestamp: created, resourceVersion: '3', labels: { a: 'b' } },
    spec: { provider: 'mock', model: 'mock-model' },
    status: ready ? { conditions: [{ type: 'Ready', status: ready, reason: 'R', message: '', lastTransitionTime: created }] } : {},
  };
}

describe('tables', () => {
  it('formats ages as kubectl does', () => {
    expect(humanDuration(-5000)).toBe('<invalid>');
    expect(humanDuration(-500)).toBe('0s');
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(119_000)).toBe('119s');
    expect(humanDuration(5 * 60_000 + 30_000)).toBe('5m30s');
    expect(humanDuration(5 * 60_000)).toBe('5m');
    expect(humanDuration(90 * 60_000)).toBe('90m');
    expect(humanDuration(3 * 3600_000 + 20 * 60_000)).toBe('3h20m');
    expect(humanDuration(20 * 3600_000)).toBe('20h');
    expect(humanDuration(2 * 86400_000 + 4 * 3600_000)).toBe('2d4h');
    expect(humanDuration(30 * 86400_000)).toBe('30d');
    expect(humanDuration(400 * 86400_000)).toBe('400d');
    expect(humanDuration(3 * 365 * 86400_000 + 20 * 86400_000)).toBe('3y20d');
  });

  it('builds a Table with Name, the printer columns and Age, one row per object', () => {
    // Given two LLMs, one Ready
    const objects = [llm('a', '2025-06-01T11:55:00Z', 'True'), llm('b', '2025-05-30T08:00:00Z')];
    // When
    const table = buildTable(llms, objects, { now, resourceVersion: '9' });
    // Then
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '9' } });
    expect(table.columnDefinitions.map((column) => column.name)).toEqual(['Name', 'Provider', 'Model', 'Ready', 'Age']);
    expect(table.columnDefinitions[0]).toMatchObject({ type: 'string', format: 'name' });
    expect(table.rows.map((row) => row.cells)).toEqual([
      ['a', 'mock', 'mock-model', 'True', '5m'],
      ['b', 'mock', 'mock-model', null, '2d4h'],
    ]);
    expect(table.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: objects[0].metadata });
  });

  it('carries the whole object, or none, when asked', () => {
    const object = llm('a', '2025-06-01T11:55:00Z');
    expect(buildTable(llms, [object], { now, includeObject: 'Object' }).rows[0].object).toBe(object);
    expect(buildTable(llms, [object], { now, includeObject: 'None' }).rows[0]).not.toHaveProperty('object');
    expect(buildTable(llms, [object], { now, version: 'v1beta1' }).apiVersion).toBe('meta.k8s.io/v1beta1');
  });
});
