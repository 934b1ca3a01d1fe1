import { kindsOf } from '@kastra/api';
import { groupVersionOpenApi, openApiRoot, schemaName } from '../openapi/openapi-document';
import { apiGroupDocument, apiGroupList, compareKubeVersions, coreApiVersions, groupVersionResources, versionInfo } from './discovery-documents';

describe('discovery and OpenAPI documents', () => {
  it('describes every served group and its version: the kinds\' and the self reviews\'', () => {
    const group = (name: string) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } });
    expect(apiGroupList()).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        group('apiextensions.k8s.io'),
        { ...group('mastra.ai'), versions: [{ groupVersion: 'mastra.ai/v1', version: 'v1' }, { groupVersion: 'mastra.ai/v1alpha1', version: 'v1alpha1' }] },
        group('rbac.authorization.k8s.io'),
        group('authorization.k8s.io'),
        group('authentication.k8s.io'),
      ],
    });
    expect(apiGroupDocument('rbac.authorization.k8s.io')).toMatchObject({ kind: 'APIGroup', name: 'rbac.authorization.k8s.io' });
    expect(apiGroupDocument('apps')).toBeUndefined();
    expect(coreApiVersions('h:1')).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(versionInfo()).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.0-kastra.0' });
  });

  it('prefers GA versions, then beta, then alpha, higher numbers first', () => {
    expect(['v1alpha1', 'v2beta1', 'v1', 'v1beta2', 'v2', 'foo', 'v1beta1'].sort(compareKubeVersions)).toEqual(['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']);
  });

  it('lists every kind with its verbs, short names and status subresource', () => {
    const list = groupVersionResources('mastra.ai', 'v1') as { resources: Array<Record<string, unknown>> };
    const agents = list.resources.find((resource) => resource.name === 'agents');
    expect(agents).toMatchObject({ singularName: 'agent', namespaced: true, kind: 'Agent', categories: ['all', 'mastra'] });
    expect(agents?.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']));
    expect(list.resources.find((resource) => resource.name === 'agents/status')).toMatchObject({ kind: 'Agent', verbs: ['get', 'patch', 'update'] });
    // Secrets have no status and stay out of `kubectl get all`
    expect(list.resources.find((resource) => resource.name === 'secrets/status')).toBeUndefined();
    expect(list.resources.find((resource) => resource.name === 'secrets')?.categories).toEqual(['mastra']);
    for (const kind of kindsOf('mastra.ai', 'v1')) expect(list.resources.some((resource) => resource.name === kind.plural)).toBe(true);
    // Action subresources are listed with the verb they are authorized as
    expect(list.resources.find((resource) => resource.name === 'workflows/execute')).toMatchObject({ verbs: ['create'] });
    expect(list.resources.find((resource) => resource.name === 'workflowruns/events')).toMatchObject({ verbs: ['get'] });
  });

  it('lists the RBAC kinds under their own group, the cluster-scoped ones as such, and the review groups', () => {
    const rbac = groupVersionResources('rbac.authorization.k8s.io', 'v1') as { resources: Array<Record<string, unknown>> };
    expect(rbac.resources.map((r) => [r.name, r.namespaced])).toEqual([['roles', true], ['clusterroles', false], ['rolebindings', true], ['clusterrolebindings', false]]);
    expect(groupVersionResources('authorization.k8s.io', 'v1')).toMatchObject({ resources: [{ name: 'selfsubjectaccessreviews' }, { name: 'selfsubjectrulesreviews' }] });
    expect(groupVersionResources('mastra.ai', 'v2')).toBeUndefined();
    const document = groupVersionOpenApi(kindsOf('rbac.authorization.k8s.io', 'v1')) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(document.paths)).toContain('/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}');
    expect(Object.keys(document.paths)).toContain('/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{name}');
    expect(document.components.schemas['io.k8s.api.rbac.v1.ClusterRole']).toMatchObject({ 'x-kubernetes-group-version-kind': [{ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' }] });
  });

  it('publishes each kind schema with its GVK and PATCH operations with fieldValidation (kubectl probes them)', () => {
    const document = groupVersionOpenApi(kindsOf('mastra.ai', 'v1')) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; 'x-kubernetes-group-version-kind'?: unknown }>>;
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    expect(schemaName('Agent')).toBe('ai.mastra.v1.Agent');
    const agent = document.components.schemas['ai.mastra.v1.Agent'];
    expect(agent['x-kubernetes-group-version-kind']).toEqual([{ group: 'mastra.ai', version: 'v1', kind: 'Agent' }]);
    expect((agent.properties as Record<string, unknown>).spec).toBeDefined();
    const patch = document.paths['/apis/mastra.ai/v1/namespaces/{namespace}/agents/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'mastra.ai', version: 'v1', kind: 'Agent' });
    expect(patch.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'fieldValidation', in: 'query' }), expect.objectContaining({ name: 'dryRun', in: 'query' })]));
    const root = openApiRoot({ 'apis/mastra.ai/v1': document }) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(root.paths['apis/mastra.ai/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/mastra\.ai\/v1\?hash=[0-9A-F]{128}$/);
  });
});
