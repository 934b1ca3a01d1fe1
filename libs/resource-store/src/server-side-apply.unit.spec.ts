import type { Resource } from '@kastra/api';
import { applyServerSide } from './server-side-apply';

const current: Resource = {
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name: 'x', namespace: 'default', uid: 'u1', generation: 2, labels: { a: '1' }, finalizers: ['f'] },
  spec: { provider: 'mock', model: 'm', options: { temperature: 1 } },
  status: { phase: 'Ready' },
};

describe('applyServerSide', () => {
  it('replaces spec with the applied one, merges labels and keeps server fields and status', () => {
    const result = applyServerSide(current, { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'x', labels: { b: '2' } }, spec: { provider: 'mock', model: 'n' } }, 'me');
    expect(result.spec).toEqual({ provider: 'mock', model: 'n' });
    expect(result.metadata).toMatchObject({ uid: 'u1', labels: { a: '1', b: '2' }, finalizers: ['f'] });
    expect(result.metadata.annotations).toEqual({ 'mastra.ai/field-manager': 'me' });
    expect(result.status).toEqual({ phase: 'Ready' });
  });

  it('keeps the current spec when the applied manifest does not mention it (annotation-only apply)', () => {
    const result = applyServerSide(current, { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'x', annotations: { k: 'v' } } }, 'kubectl-last-applied');
    expect(result.spec).toEqual(current.spec);
    expect(result.metadata.annotations).toMatchObject({ k: 'v' });
  });

  it('creates from the manifest alone when nothing exists', () => {
    const result = applyServerSide(undefined, { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'y', namespace: 'ns' }, spec: { provider: 'mock', model: 'm' } }, 'me');
    expect(result.metadata).toMatchObject({ name: 'y', namespace: 'ns' });
    expect(result.spec).toEqual({ provider: 'mock', model: 'm' });
  });
});

describe('applyServerSide of kinds without spec', () => {
  it("replaces an RBAC binding's roleRef and subjects together, keeping them when the manifest names neither", () => {
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b', namespace: 'x' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'ann' }],
    } as unknown as Resource;
    const created = applyServerSide(undefined, binding, 'm') as unknown as Record<string, unknown>;
    expect(created.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' });
    const emptied = applyServerSide(binding, { ...binding, subjects: undefined } as unknown as Resource, 'm') as unknown as Record<string, unknown>;
    expect(emptied.subjects).toBeUndefined();
    expect(emptied.roleRef).toEqual(created.roleRef);
    const labelled = applyServerSide(binding, { apiVersion: binding.apiVersion, kind: 'RoleBinding', metadata: { name: 'b', labels: { a: 'b' } } }, 'm') as unknown as Record<string, unknown>;
    expect(labelled.subjects).toEqual([{ kind: 'User', name: 'ann' }]);
  });
});
