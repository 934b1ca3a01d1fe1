import type { Resource } from '@kastra/api';
import { formatAge, renderResourceTable, renderTable } from './resource-table';
import { renderDescription } from './describe-command';
import { checkOutput, splitKindName } from './get-command';

const now = new Date('2026-01-01T12:00:00Z');
const llm = (name: string, ready: 'True' | 'False' | undefined, createdSecondsAgo: number, namespace = 'default'): Resource => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name, namespace, creationTimestamp: new Date(now.getTime() - createdSecondsAgo * 1000).toISOString(), labels: { team: 'a' } },
  spec: { provider: 'mock', model: 'mock-small', apiKey: '${MOCK_KEY}' },
  status: ready
    ? { phase: ready === 'True' ? 'Ready' : 'Failed', conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'Resolved' : 'KeyMissing', message: 'set MOCK_KEY', lastTransitionTime: now.toISOString() }] }
    : undefined,
});

describe('renderTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(renderTable(['NAME', 'AGE'], [['a-long-name', '5s'], ['b', '10m']])).toBe('NAME          AGE\na-long-name   5s\nb             10m\n');
  });
});

describe('renderResourceTable', () => {
  it('shows NAME, READY, the kind columns and AGE, with <none> before the first reconcile', () => {
    const table = renderResourceTable([llm('fast', 'True', 30), llm('slow', undefined, 7200)], 'LLM', { now });
    expect(table.split('\n')[0].split(/\s{3,}/)).toEqual(['NAME', 'READY', 'PROVIDER', 'MODEL', 'AGE']);
    expect(table).toMatch(/^fast\s+True\s+mock\s+mock-small\s+30s$/m);
    expect(table).toMatch(/^slow\s+<none>\s+mock\s+mock-small\s+120m$/m);
  });

  it('adds NAMESPACE with all namespaces and PHASE, REASON when wide', () => {
    const table = renderResourceTable([llm('x', 'False', 5, 'team-a')], 'LLM', { now, allNamespaces: true, wide: true });
    expect(table.split('\n')[0].split(/\s{3,}/)).toEqual(['NAMESPACE', 'NAME', 'READY', 'PROVIDER', 'MODEL', 'AGE', 'PHASE', 'REASON']);
    expect(table).toMatch(/^team-a\s+x\s+False\s+mock\s+mock-small\s+5s\s+Failed\s+KeyMissing$/m);
  });

  it('shows a run\'s workflow and Succeeded condition, and no READY for Secrets', () => {
    const run: Resource = { apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'r1' }, spec: { workflowRef: 'default.wf' }, status: { conditions: [{ type: 'Succeeded', status: 'True', reason: 'Done', message: '', lastTransitionTime: '' }] } };
    expect(renderResourceTable([run], 'WorkflowRun', { now })).toMatch(/^r1\s+<none>\s+default\.wf\s+True\s+<unknown>$/m);
    const secret: Resource = { apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'eA==', b: 'eQ==' } };
    expect(renderResourceTable([secret], 'Secret', { now }).split('\n')[0].split(/\s{3,}/)).toEqual(['NAME', 'DATA', 'AGE']);
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'], [119, '119s'], [200, '3m20s'], [300, '5m'], [7199, '119m'], [3 * 3600 + 600, '3h10m'],
    [20 * 3600, '20h'], [3 * 86400 + 4 * 3600, '3d4h'], [40 * 86400, '40d'], [800 * 86400, '2y70d'], [9 * 365 * 86400, '9y'],
  ])('%d seconds reads %s', (seconds, expected) => expect(formatAge(seconds * 1000)).toBe(expected));

  it("shows a network run's printer columns — NETWORK, PHASE, STEPS, SUCCEEDED — with no READY, and PHASE once when wide", () => {
    const run: Resource = {
      apiVersion: 'mastra.ai/v1',
      kind: 'NetworkRun',
      metadata: { name: 'research-x2b4c' },
      spec: { networkRef: { name: 'research-network' }, message: 'm' },
      status: { phase: 'Failed', steps: 15, conditions: [{ type: 'Succeeded', status: 'False', reason: 'MaxStepsReached', message: '', lastTransitionTime: '' }] },
    };
    const table = renderResourceTable([run], 'NetworkRun', { now });
    expect(table.split('\n')[0].split(/\s{3,}/)).toEqual(['NAME', 'NETWORK', 'PHASE', 'STEPS', 'SUCCEEDED', 'AGE']);
    expect(table).toMatch(/^research-x2b4c\s+research-network\s+Failed\s+15\s+False\s+<unknown>$/m);
    const pending = renderResourceTable([{ ...run, status: undefined }], 'NetworkRun', { now, wide: true });
    expect(pending.split('\n')[0].split(/\s{3,}/)).toEqual(['NAME', 'NETWORK', 'PHASE', 'STEPS', 'SUCCEEDED', 'AGE', 'REASON']);
    expect(pending).toMatch(/^research-x2b4c\s+research-network\s+<none>\s+<none>\s+<none>/m);
  });

  it('treats clock skew (a future timestamp) as 0s', () => expect(formatAge(-5000)).toBe('0s'));
});

describe('renderDescription', () => {
  it('prints metadata, the spec as YAML, the status and a conditions table', () => {
    const text = renderDescription(llm('fast', 'False', 60), now);
    expect(text).toMatch(/^Name:\s+fast$/m);
    expect(text).toMatch(/^Labels:\s+team=a$/m);
    expect(text).toMatch(/^Spec:\n  provider: mock\n  model: mock-small\n/m);
    expect(text).toMatch(/^  Phase:\s+Failed$/m);
    expect(text).toMatch(/^  TYPE\s+STATUS\s+REASON\s+AGE\s+MESSAGE\n  Ready\s+False\s+KeyMissing\s+0s\s+set MOCK_KEY$/m);
  });

  it('shows a Secret\'s keys and sizes, never its values', () => {
    const text = renderDescription({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 's' }, data: { apiKey: Buffer.from('sk-very-secret').toString('base64') } }, now);
    expect(text).toMatch(/apiKey:\s+14 bytes/);
    expect(text).not.toContain('sk-very-secret');
    expect(text).not.toContain(Buffer.from('sk-very-secret').toString('base64'));
  });
});

describe('argument helpers', () => {
  it('splitKindName accepts KIND NAME and KIND/NAME, and refuses both at once', () => {
    expect(splitKindName('llm', 'a')).toEqual(['llm', 'a']);
    expect(splitKindName('llm/a', undefined)).toEqual(['llm', 'a']);
    expect(splitKindName('llms', undefined)).toEqual(['llms', undefined]);
    expect(() => splitKindName('llm/a', 'b')).toThrow(/no need/);
    expect(() => splitKindName('llm/', undefined)).toThrow(/KIND\/NAME/);
  });

  it('checkOutput accepts yaml, json and wide only', () => {
    expect(checkOutput('yaml')).toBe('yaml');
    expect(checkOutput(undefined)).toBeUndefined();
    expect(() => checkOutput('xml')).toThrow(/unknown output format/);
  });
});
