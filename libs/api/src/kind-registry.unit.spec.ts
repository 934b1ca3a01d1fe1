import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiVersionOf, findKindByName, findKindByPlural, findKindByResource, keyOf, KINDS, servedGroupVersions } from './kind-registry';
import { evaluateJsonPath } from './json-path';

describe('the kind registry', () => {
  it('serves the built-in kinds under their REST plurals', () => {
    expect(KINDS.map((kind) => kind.plural)).toEqual([
      'customresourcedefinitions', 'llms', 'tools', 'agents', 'workflows', 'networks', 'systems', 'secrets', 'workflowruns', 'networkruns', 'plugins',
      'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'customresourcedefinitions',
    ]);
    expect(findKindByPlural('workflows')?.kind).toBe('Workflow');
    expect(findKindByPlural('Workflows')).toBeUndefined();
    expect(findKindByPlural('workflowz')).toBeUndefined();
  });

  it.each([
    ['LLM', 'LLM'], ['llm', 'LLM'], ['llms', 'LLM'], ['AGENT', 'Agent'], ['ag', 'Agent'], ['wf', 'Workflow'],
    ['net', 'Network'], ['sys', 'System'], ['secret', 'Secret'], ['Tools', 'Tool'],
  ])('finds %s as %s', (name, kind) => {
    expect(findKindByName(name)?.kind).toBe(kind);
  });

  it('serves each kind under its own group and version, with its scope', () => {
    expect(servedGroupVersions().map((gv) => gv.groupVersion)).toEqual(['apiextensions.k8s.io/v1', 'mastra.ai/v1', 'rbac.authorization.k8s.io/v1', 'mastra.ai/v1alpha1']);
    expect(findKindByResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')).toMatchObject({ kind: 'CustomResourceDefinition', namespaced: false });
    expect(findKindByResource('mastra.ai', 'v1alpha1', 'customresourcedefinitions')?.conversion).toBeDefined();
    expect(findKindByName('crd')?.group).toBe('apiextensions.k8s.io');
    expect(findKindByResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')).toMatchObject({ kind: 'ClusterRole', namespaced: false });
    expect(findKindByResource('mastra.ai', 'v1', 'clusterroles')).toBeUndefined();
    expect(findKindByResource('rbac.authorization.k8s.io', 'v1', 'llms')).toBeUndefined();
    expect(apiVersionOf(findKindByName('RoleBinding')!)).toBe('rbac.authorization.k8s.io/v1');
    expect(apiVersionOf(findKindByName('LLM')!)).toBe('mastra.ai/v1');
  });

  it('keys cluster-scoped objects without a namespace and namespaced ones in default when none is given', () => {
    expect(keyOf({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'view', namespace: 'x' } })).toEqual({ kind: 'ClusterRole', namespace: '', name: 'view' });
    expect(keyOf({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'a' } })).toEqual({ kind: 'LLM', namespace: 'default', name: 'a' });
  });

  it('finds nothing for an unknown name', () => {
    expect(findKindByName('pods')).toBeUndefined();
  });

  it('has unique names across kinds (a kind served under two versions counts once)', () => {
    const kinds = KINDS.filter((kind, i) => KINDS.findIndex((other) => other.kind === kind.kind) === i);
    const names = kinds.flatMap((kind) => [kind.kind.toLowerCase(), kind.plural, kind.singular, ...kind.shortNames]);
    const perKind = kinds.map((kind) => new Set([kind.kind.toLowerCase(), kind.plural, kind.singular, ...kind.shortNames]).size);
    expect(new Set(names).size).toBe(perKind.reduce((a, b) => a + b, 0));
  });

  it('gives every declarative mastra.ai kind a Ready column, runs a Succeeded column, and all an Age column', () => {
    const object = {
      metadata: { creationTimestamp: '2024-01-01T00:00:00Z' },
      status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Succeeded', status: 'False' }] },
    };
    for (const kind of KINDS.filter((k) => k.group === 'mastra.ai' && k.kind !== 'CustomResourceDefinition')) {
      const cells = Object.fromEntries(kind.printerColumns.map((column) => [column.name, evaluateJsonPath(object, column.jsonPath)]));
      expect(cells.Age).toBe('2024-01-01T00:00:00Z');
      if (kind.kind === 'WorkflowRun' || kind.kind === 'NetworkRun') expect(cells.Succeeded).toBe('False');
      else if (kind.kind !== 'Secret') expect(cells.Ready).toBe('True');
      expect(kind.hasStatus).toBe(kind.kind !== 'Secret');
    }
  });

  it('documents every schema property (kubectl explain)', () => {
    const undocumented: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string) => {
      if (typeof schema.description !== 'string' || schema.description === '') undocumented.push(path);
      for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) walk(child, `${path}.${name}`);
      if (typeof schema.items === 'object') walk(schema.items as Record<string, unknown>, `${path}[]`);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties as Record<string, unknown>, `${path}{}`);
      for (const [i, branch] of ((schema.anyOf ?? []) as Record<string, unknown>[]).entries()) walk(branch, `${path}|${i}`);
    };
    for (const kind of KINDS) walk(kind.schema, kind.kind);
    expect(undocumented).toEqual([]);
  });

  it('loads each module on its own (no import cycle breaks initialisation)', () => {
    const files = [
      ...readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')),
      ...readdirSync(join(__dirname, 'kinds')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')).map((f) => `kinds/${f}`),
      ...readdirSync(join(__dirname, 'custom-resources')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')).map((f) => `custom-resources/${f}`),
    ];
    for (const file of files) {
      jest.isolateModules(() => {
        expect(() => require(`./${file.replace(/\.ts$/, '')}`)).not.toThrow();
      });
    }
  });
});
