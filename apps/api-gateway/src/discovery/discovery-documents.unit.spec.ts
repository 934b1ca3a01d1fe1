import { KINDS } from '@kastra/api';
import { groupVersionOpenApi, openApiRoot, schemaName } from '../openapi/openapi-document';
import { apiGroupList, coreApiVersions, groupVersionResources, versionInfo } from './discovery-documents';

describe('discovery and OpenAPI documents', () => {
  it('describes the mastra.ai group and its version', () => {
    expect(apiGroupList()).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'mastra.ai', versions: [{ groupVersion: 'mastra.ai/v1', version: 'v1' }], preferredVersion: { groupVersion: 'mastra.ai/v1', version: 'v1' } }],
    });
    expect(coreApiVersions('h:1')).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(versionInfo()).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.0-kastra.0' });
  });

  it('lists every kind with its verbs, short names and status subresource', () => {
    const list = groupVersionResources(KINDS) as { resources: Array<Record<string, unknown>> };
    const agents = list.resources.find((resource) => resource.name === 'agents');
    expect(agents).toMatchObject({ singularName: 'agent', namespaced: true, kind: 'Agent', categories: ['all', 'mastra'] });
    expect(agents?.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']));
    expect(list.resources.find((resource) => resource.name === 'agents/status')).toMatchObject({ kind: 'Agent', verbs: ['get', 'patch', 'update'] });
    // Secrets have no status and stay out of `kubectl get all`
    expect(list.resources.find((resource) => resource.name === 'secrets/status')).toBeUndefined();
    expect(list.resources.find((resource) => resource.name === 'secrets')?.categories).toEqual(['mastra']);
    for (const kind of KINDS) expect(list.resources.some((resource) => resource.name === kind.plural)).toBe(true);
  });

  it('publishes each kind schema with its GVK and PATCH operations with fieldValidation (kubectl probes them)', () => {
    const document = groupVersionOpenApi(KINDS) as {
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
