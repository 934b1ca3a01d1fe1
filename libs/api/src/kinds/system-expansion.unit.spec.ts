import { parse } from 'yaml';
import { USER_MANIFESTS } from '../testing/user-manifests';
import type { Resource } from '../resource';
import { validateResource } from '../validate-resource';
import { expandSystem, SYSTEM_LABEL } from './system-expansion';

describe('expandSystem', () => {
  it('turns the documented customer-support System into owned, valid children in its namespace', () => {
    // Given the documented System, as stored (with a uid and a namespace)
    const system = parse(USER_MANIFESTS['system customer-support']) as Resource;
    system.metadata = { ...system.metadata, namespace: 'support', uid: 'uid-1', labels: { team: 'care' } };
    // When it is expanded
    const children = expandSystem(system);
    // Then each inline resource becomes a child with the System as controlling owner
    expect(children.map((c) => `${c.kind}/${c.metadata.namespace}/${c.metadata.name}`)).toEqual([
      'Agent/support/support-agent',
      'Agent/support/escalation-agent',
      'Workflow/support/support-flow',
    ]);
    for (const child of children) {
      expect(child.metadata.labels).toEqual({ team: 'care', [SYSTEM_LABEL]: 'customer-support' });
      expect(child.metadata.ownerReferences).toEqual([
        { apiVersion: 'mastra.ai/v1', kind: 'System', name: 'customer-support', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
      ]);
      expect(validateResource(child)).toEqual([]);
    }
    expect(children[2].spec).toEqual({ initialStep: 'initial-response', steps: [{ id: 'initial-response', agent: 'support-agent' }] });
  });

  it('adds per-child labels and leaves out owner references before the System has a uid', () => {
    const system: Resource = {
      apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's' },
      spec: { tools: [{ name: 'clock', labels: { role: 'time' }, spec: { builtin: 'current-time' } }] },
    };
    expect(expandSystem(system)).toEqual([
      { apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name: 'clock', namespace: 'default', labels: { role: 'time', [SYSTEM_LABEL]: 's' } }, spec: { builtin: 'current-time' } },
    ]);
  });

  it('expands spec.resources into objects of custom kinds under the apiVersion written, after the built-in children', () => {
    const system: Resource = {
      apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's', namespace: 'lab', uid: 'uid-2' },
      spec: {
        resources: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'gear', labels: { part: 'gear' }, spec: { size: 2 } }],
        tools: [{ name: 'clock', spec: { builtin: 'current-time' } }],
      },
    };
    const children = expandSystem(system);
    expect(children.map((c) => `${c.apiVersion} ${c.kind}/${c.metadata.name}`)).toEqual(['mastra.ai/v1 Tool/clock', 'example.com/v1 Widget/gear']);
    expect(children[1]).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: {
        name: 'gear', namespace: 'lab', labels: { part: 'gear', [SYSTEM_LABEL]: 's' },
        ownerReferences: [{ apiVersion: 'mastra.ai/v1', kind: 'System', name: 's', uid: 'uid-2', controller: true, blockOwnerDeletion: true }],
      },
      spec: { size: 2 },
    });
  });

  it('accepts a System listing a kind no CRD defines yet, and refuses built-in kinds and duplicates in spec.resources', () => {
    const system = (resources: unknown[]): Resource => ({ apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's' }, spec: { resources } });
    expect(validateResource(system([{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'gear', spec: { anything: true } }]))).toEqual([]);
    expect(validateResource(system([{ apiVersion: 'mastra.ai/v1', kind: 'Tool', name: 't', spec: {} }]))).toEqual([
      expect.objectContaining({ field: 'spec.resources[0].kind', message: expect.stringContaining('declare Tool children in spec.tools') }),
    ]);
    expect(validateResource(system([
      { apiVersion: 'example.com/v1', kind: 'Widget', name: 'gear' },
      { apiVersion: 'example.com/v1', kind: 'Widget', name: 'gear' },
    ]))).toEqual([expect.objectContaining({ reason: 'FieldValueDuplicate', field: 'spec.resources[1].name' })]);
    expect(validateResource(system([{ kind: 'Widget', name: 'gear' }]))).toEqual([expect.objectContaining({ field: expect.stringContaining('apiVersion') })]);
  });
});
