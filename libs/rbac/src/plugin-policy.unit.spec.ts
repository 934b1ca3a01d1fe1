import { InvalidError } from '@kastra/api';
import { ownedKindsOf, pluginRbacObjects } from './plugin-policy';
import { RbacAuthorizer } from './rbac-authorizer';
import { RbacPolicy } from './rbac-policy';
import { bootstrapPolicy } from './bootstrap-policy';

const dataSources = { apiGroup: 'mastra.ai', kind: 'DataSource', plural: 'datasources' };

describe('a plugin\'s rights', () => {
  const authorizer = () => {
    const policy = new RbacPolicy();
    for (const object of [...bootstrapPolicy(), ...pluginRbacObjects('datasource', [dataSources])]) policy.put(object);
    return new RbacAuthorizer(() => policy);
  };
  const plugin = { sub: 'system:plugin:datasource', groups: ['system:authenticated'] };
  const may = (verb: string, resource: string, subresource = '', apiGroup = 'mastra.ai', namespace = 'team-a') =>
    authorizer().authorize(plugin, { verb, resource, subresource, apiGroup, namespace }).allowed;

  it('cover every verb on its kinds and their status, in every namespace', () => {
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) expect(may(verb, 'datasources')).toBe(true);
    expect(may('patch', 'datasources', 'status')).toBe(true);
    expect(may('update', 'datasources', 'status', 'mastra.ai', 'other')).toBe(true);
  });

  it('cover nothing else: not built-in kinds, not Secrets, not RBAC, not the same plural of another group', () => {
    expect(may('get', 'secrets')).toBe(false);
    expect(may('create', 'agents')).toBe(false);
    expect(may('list', 'llms')).toBe(false);
    expect(may('create', 'clusterrolebindings', '', 'rbac.authorization.k8s.io', '')).toBe(false);
    expect(may('get', 'datasources', '', 'example.com')).toBe(false);
    expect(authorizer().authorize({ sub: 'system:plugin:other', groups: ['system:authenticated'] }, { verb: 'get', resource: 'datasources', apiGroup: 'mastra.ai', namespace: 'a' }).allowed).toBe(false);
  });

  it('are a ClusterRole and a ClusterRoleBinding named after the principal', () => {
    const [role, binding] = pluginRbacObjects('datasource', [dataSources]);
    expect(role).toMatchObject({ kind: 'ClusterRole', metadata: { name: 'system:plugin:datasource', labels: { 'mastra.ai/plugin': 'datasource' } } });
    expect(binding).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'system:plugin:datasource' }, subjects: [{ kind: 'User', name: 'system:plugin:datasource' }] });
  });

  it('are refused for a plugin claiming a built-in kind', () => {
    expect(() => pluginRbacObjects('greedy', [dataSources, { apiGroup: 'mastra.ai', kind: 'Secret', plural: 'secrets' }])).toThrow(InvalidError);
    expect(() => pluginRbacObjects('greedy', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', plural: 'clusterroles' }])).toThrow(/custom kinds only/);
  });

  it('are read from a Plugin object\'s spec.owns', () => {
    expect(ownedKindsOf({ spec: { owns: [dataSources, 'junk', null] } })).toEqual([dataSources]);
    expect(ownedKindsOf({ spec: {} })).toEqual([]);
  });
});
