import { ForbiddenError } from '@kastra/api';
import type { AuthorizationAttributes } from './authorization-attributes';
import { forbiddenMessage } from './authorization-attributes';
import { bootstrapPolicy } from './bootstrap-policy';
import type { BindingObject, PolicyRule, RbacObject, RoleObject } from './policy-types';
import { RbacAuthorizer } from './rbac-authorizer';
import { RbacPolicy, type RbacUser } from './rbac-policy';
import { ruleAllows } from './rule-matching';

// Cases follow Kubernetes' own tests of the RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac_test.go).
const RBAC = 'rbac.authorization.k8s.io';

function rule(verbs: string, apiGroups: string, resources: string, nonResourceURLs = ''): PolicyRule {
  const split = (value: string) => (value === '' ? [] : value.split(','));
  return { verbs: split(verbs), apiGroups: apiGroups === '-' ? [] : apiGroups.split(','), resources: split(resources), nonResourceURLs: split(nonResourceURLs) };
}
const clusterRole = (name: string, ...rules: PolicyRule[]): RoleObject => ({ kind: 'ClusterRole', metadata: { name }, rules });
const role = (namespace: string, name: string, ...rules: PolicyRule[]): RoleObject => ({ kind: 'Role', metadata: { name, namespace }, rules });
const subjects = (list: string[]) => list.map((s) => ({ kind: s.split(':')[0], name: s.slice(s.indexOf(':') + 1), apiGroup: RBAC }));
const clusterBinding = (roleName: string, ...who: string[]): BindingObject => ({
  kind: 'ClusterRoleBinding',
  metadata: { name: `${roleName}-binding` },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName },
  subjects: subjects(who),
});
const binding = (namespace: string, roleKind: 'Role' | 'ClusterRole', roleName: string, ...who: string[]): BindingObject => ({
  kind: 'RoleBinding',
  metadata: { name: `${roleName}-${who.join('-')}`, namespace },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
  subjects: subjects(who),
});
const authorizerOf = (...objects: RbacObject[]) => {
  const policy = new RbacPolicy();
  for (const object of objects) policy.put(object);
  return new RbacAuthorizer(() => policy);
};
const user = (sub: string, groups = ''): RbacUser => ({ sub, groups: groups ? groups.split(',') : [] });
const request = (verb: string, resource: string, namespace = '', subresource = '', apiGroup = ''): AuthorizationAttributes => ({ verb, resource, namespace, subresource, apiGroup });

describe('RBAC rule matching (as Kubernetes evaluates rules)', () => {
  it.each([
    ['star verb', { verbs: ['*'], apiGroups: ['group1'], resources: ['resource1'] }, [
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource1' }, true],
      [{ verb: 'verb1', apiGroup: 'group2', resource: 'resource1' }, false],
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource2' }, false],
      [{ verb: 'verb2', apiGroup: 'group1', resource: 'resource1' }, true],
    ]],
    ['star group', { verbs: ['verb1'], apiGroups: ['*'], resources: ['resource1'] }, [
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource1' }, true],
      [{ verb: 'verb1', apiGroup: 'group2', resource: 'resource1' }, true],
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource2' }, false],
      [{ verb: 'verb2', apiGroup: 'group1', resource: 'resource1' }, false],
    ]],
    ['star resource', { verbs: ['verb1'], apiGroups: ['group1'], resources: ['*'] }, [
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource2' }, true],
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource2', subresource: 'status' }, true],
      [{ verb: 'verb1', apiGroup: 'group2', resource: 'resource1' }, false],
    ]],
    ['tuple expansion', { verbs: ['verb1', 'verb2'], apiGroups: ['group1', 'group2'], resources: ['resource1', 'resource2'] }, [
      [{ verb: 'verb2', apiGroup: 'group2', resource: 'resource2' }, true],
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource1' }, true],
    ]],
    ['subresource expansion', { verbs: ['*'], apiGroups: ['*'], resources: ['resource1/subresource1'] }, [
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource1', subresource: 'subresource1' }, true],
      [{ verb: 'verb1', apiGroup: 'group2', resource: 'resource1', subresource: 'subresource2' }, false],
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource2', subresource: 'subresource1' }, false],
      [{ verb: 'verb1', apiGroup: 'group1', resource: 'resource1' }, false],
    ]],
    ['star subresource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/status'] }, [
      [{ verb: 'get', apiGroup: 'g', resource: 'pods', subresource: 'status' }, true],
      [{ verb: 'get', apiGroup: 'g', resource: 'pods', subresource: 'statusx' }, false],
      [{ verb: 'get', apiGroup: 'g', resource: 'pods' }, false],
    ]],
    ['resource names', { verbs: ['get', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['one'] }, [
      [{ verb: 'get', apiGroup: '', resource: 'configmaps', name: 'one' }, true],
      [{ verb: 'get', apiGroup: '', resource: 'configmaps', name: 'two' }, false],
      [{ verb: 'get', apiGroup: '', resource: 'configmaps' }, false],
    ]],
    ['star non-resource URL', { verbs: ['verb1'], nonResourceURLs: ['*'] }, [
      [{ verb: 'verb1', path: '/foo/bar/one' }, true],
      [{ verb: 'verb2', path: '/foo' }, false],
    ]],
    ['non-resource subpath', { verbs: ['verb1'], nonResourceURLs: ['/foo/*'] }, [
      [{ verb: 'verb1', path: '/foo' }, false],
      [{ verb: 'verb1', path: '/foo/bar' }, true],
      [{ verb: 'verb1', path: '/foo/bar/one' }, true],
      [{ verb: 'verb1', path: '/bar' }, false],
    ]],
    ['a resource rule never matches a path', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, [
      [{ verb: 'get', path: '/version' }, false],
    ]],
  ] as [string, PolicyRule, [AuthorizationAttributes, boolean][]][])('%s', (_name, policyRule, cases) => {
    for (const [attributes, expected] of cases) expect([attributes, ruleAllows(attributes, policyRule)]).toEqual([attributes, expected]);
  });
});

describe('RbacAuthorizer', () => {
  it('grants a ClusterRole bound by a RoleBinding only in that namespace, by user or group, and verbs are case-sensitive', () => {
    // Given ClusterRole admin (everything) bound in ns1 to User admin and Group admins
    const authorizer = authorizerOf(clusterRole('admin', rule('*', '*', '*', '*')), binding('ns1', 'ClusterRole', 'admin', 'User:admin', 'Group:admins'));
    // Then they may act in ns1, not in ns2 nor at the cluster scope
    for (const [who, attributes] of [
      [user('admin'), request('get', 'Pods', 'ns1')],
      [user('admin', 'group1'), request('watch', 'Foobar', 'ns1')],
      [user('joe', 'group1,admins'), request('watch', 'Foobar', 'ns1')],
    ] as const) expect(authorizer.authorize(who, attributes).allowed).toBe(true);
    for (const [who, attributes] of [
      [user('admin'), request('GET', 'Pods', 'ns2')],
      [user('admin'), request('get', 'Nodes')],
      [user('admin', 'admins'), request('get', 'Pods', 'ns2')],
      [user('joe'), request('get', 'Pods', 'ns1')],
    ] as const) expect(authorizer.authorize(who, attributes).allowed).toBe(false);
  });

  it('grants ClusterRoleBindings everywhere, and non-resource URLs only through them', () => {
    const authorizer = authorizerOf(
      clusterRole('getter', { verbs: ['get'], nonResourceURLs: ['/apis'] }),
      clusterRole('prefix', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }),
      clusterRole('reader', rule('get,list', 'mastra.ai', 'llms')),
      clusterBinding('getter', 'User:foo', 'Group:bar'),
      clusterBinding('prefix', 'User:prefixed'),
      clusterBinding('reader', 'User:foo'),
    );
    expect(authorizer.authorize(user('foo'), { verb: 'get', path: '/apis' }).allowed).toBe(true);
    expect(authorizer.authorize(user('x', 'bar'), { verb: 'get', path: '/apis' }).allowed).toBe(true);
    expect(authorizer.authorize(user('foo'), { verb: 'watch', path: '/apis' }).allowed).toBe(false);
    expect(authorizer.authorize(user('foo'), { verb: 'get', path: '/api/v1' }).allowed).toBe(false);
    expect(authorizer.authorize(user('prefixed'), { verb: 'get', path: '/apis/v1/foobar' }).allowed).toBe(true);
    expect(authorizer.authorize(user('prefixed'), { verb: 'get', path: '/api/v1' }).allowed).toBe(false);
    // A cluster-wide grant holds in every namespace and across all of them
    expect(authorizer.authorize(user('foo'), request('list', 'llms', 'any-ns', '', 'mastra.ai'))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "reader-binding" of ClusterRole "reader" to User "foo"',
    });
    expect(authorizer.authorize(user('foo'), request('list', 'llms', '', '', 'mastra.ai')).allowed).toBe(true);
  });

  it('resolves subresources as Kubernetes does: pods does not grant pods/status, nor the reverse', () => {
    const plain = authorizerOf(clusterRole('r', rule('*', '*', 'pods')), binding('ns1', 'ClusterRole', 'r', 'User:admin'));
    expect(plain.authorize(user('admin'), request('get', 'pods', 'ns1')).allowed).toBe(true);
    expect(plain.authorize(user('admin'), request('get', 'pods', 'ns1', 'status')).allowed).toBe(false);
    const status = authorizerOf(clusterRole('r', rule('*', '*', 'pods/status')), binding('ns1', 'ClusterRole', 'r', 'User:admin'));
    expect(status.authorize(user('admin'), request('get', 'pods', 'ns1', 'status')).allowed).toBe(true);
    expect(status.authorize(user('admin'), request('get', 'pods', 'ns1')).allowed).toBe(false);
  });

  it('grants a Role only through a RoleBinding of its own namespace, and a binding to a missing role grants nothing', () => {
    const authorizer = authorizerOf(
      role('ns1', 'reader', rule('get', 'mastra.ai', 'llms')),
      binding('ns1', 'Role', 'reader', 'User:ann'),
      binding('ns2', 'Role', 'reader', 'User:ann'),
      binding('ns1', 'ClusterRole', 'ghost', 'User:ann'),
    );
    expect(authorizer.authorize(user('ann'), request('get', 'llms', 'ns1', '', 'mastra.ai')).allowed).toBe(true);
    expect(authorizer.authorize(user('ann'), request('get', 'llms', 'ns2', '', 'mastra.ai')).allowed).toBe(false);
    expect(authorizer.authorize(user('ann'), request('delete', 'llms', 'ns1', '', 'mastra.ai')).allowed).toBe(false);
  });

  it('matches service accounts by their user name, defaulting to the binding namespace', () => {
    const authorizer = authorizerOf(clusterRole('r', rule('get', '', 'pods')), {
      ...binding('ns1', 'ClusterRole', 'r'),
      subjects: [{ kind: 'ServiceAccount', name: 'robot' }],
    });
    expect(authorizer.authorize(user('system:serviceaccount:ns1:robot'), request('get', 'pods', 'ns1')).allowed).toBe(true);
    expect(authorizer.authorize(user('system:serviceaccount:ns2:robot'), request('get', 'pods', 'ns1')).allowed).toBe(false);
  });

  it('always allows system:masters', () => {
    expect(authorizerOf().authorize(user('root', 'system:masters'), request('delete', 'anything', 'x', '', 'any')).allowed).toBe(true);
  });

  it('words a denial as the apiserver does', () => {
    expect(forbiddenMessage('ann', { verb: 'patch', apiGroup: 'mastra.ai', resource: 'llms', namespace: 'team-b', name: 'gpt' })).toBe(
      'llms.mastra.ai "gpt" is forbidden: User "ann" cannot patch resource "llms" in API group "mastra.ai" in the namespace "team-b"',
    );
    expect(forbiddenMessage('ann', { verb: 'create', apiGroup: 'mastra.ai', resource: 'workflows', subresource: 'execute', namespace: 'a', name: 'w' })).toBe(
      'workflows.mastra.ai "w" is forbidden: User "ann" cannot create resource "workflows/execute" in API group "mastra.ai" in the namespace "a"',
    );
    expect(forbiddenMessage('ann', { verb: 'list', apiGroup: RBAC, resource: 'clusterroles' })).toBe(
      `clusterroles.${RBAC} is forbidden: User "ann" cannot list resource "clusterroles" in API group "${RBAC}" at the cluster scope`,
    );
    expect(forbiddenMessage('ann', { verb: 'get', path: '/metrics' })).toBe('forbidden: User "ann" cannot get path "/metrics"');
  });
});

describe('the built-in roles over Kastra kinds', () => {
  const policy = new RbacPolicy(bootstrapPolicy());
  policy.put(binding('team-a', 'ClusterRole', 'edit', 'User:ed'));
  policy.put(binding('team-a', 'ClusterRole', 'view', 'User:vi'));
  policy.put(binding('team-a', 'ClusterRole', 'admin', 'User:ad'));
  const authorizer = new RbacAuthorizer(() => policy);
  const can = (sub: string, verb: string, resource: string, namespace = 'team-a', subresource = '', group = 'mastra.ai') =>
    authorizer.authorize({ sub, groups: ['system:authenticated'] }, { verb, apiGroup: group, resource, namespace, subresource }).allowed;

  it('view reads everything but Secrets, and writes nothing', () => {
    expect(['llms', 'agents', 'workflowruns', 'tools'].every((r) => can('vi', 'list', r) && can('vi', 'watch', r) && can('vi', 'get', r))).toBe(true);
    expect(can('vi', 'get', 'workflowruns', 'team-a', 'events')).toBe(true);
    expect(can('vi', 'get', 'secrets')).toBe(false);
    expect(can('vi', 'create', 'llms')).toBe(false);
    expect(can('vi', 'create', 'workflows', 'team-a', 'execute')).toBe(false);
    expect(can('vi', 'list', 'llms', 'team-b')).toBe(false);
  });

  it('edit writes and runs everything in its namespace, writes Secrets without reading them, and touches no RBAC object', () => {
    for (const verb of ['create', 'update', 'patch', 'delete']) expect(can('ed', verb, 'llms')).toBe(true);
    expect(can('ed', 'create', 'workflows', 'team-a', 'execute')).toBe(true);
    expect(can('ed', 'create', 'agents', 'team-a', 'generate')).toBe(true);
    expect(can('ed', 'create', 'workflowruns', 'team-a', 'resume')).toBe(true);
    expect(can('ed', 'create', 'secrets') && can('ed', 'update', 'secrets') && can('ed', 'delete', 'secrets')).toBe(true);
    expect(can('ed', 'get', 'secrets') || can('ed', 'list', 'secrets') || can('ed', 'watch', 'secrets')).toBe(false);
    expect(can('ed', 'create', 'rolebindings', 'team-a', '', RBAC)).toBe(false);
    expect(can('ed', 'update', 'llms', 'team-a', 'status')).toBe(false);
    expect(can('ed', 'create', 'llms', 'team-b')).toBe(false);
  });

  it('admin adds reading Secrets and Roles and RoleBindings of its namespace, never cluster-scoped RBAC', () => {
    expect(can('ad', 'get', 'secrets')).toBe(true);
    expect(can('ad', 'create', 'rolebindings', 'team-a', '', RBAC) && can('ad', 'delete', 'roles', 'team-a', '', RBAC)).toBe(true);
    expect(can('ad', 'create', 'clusterrolebindings', '', '', RBAC)).toBe(false);
    expect(can('ad', 'get', 'secrets', 'team-b')).toBe(false);
  });

  it('every authenticated principal may read discovery and review itself, and nothing else', () => {
    const anyone = { sub: 'nobody', groups: ['system:authenticated'] };
    expect(authorizer.authorize(anyone, { verb: 'get', path: '/apis/mastra.ai/v1' }).allowed).toBe(true);
    expect(authorizer.authorize(anyone, { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }).allowed).toBe(true);
    expect(authorizer.authorize(anyone, { verb: 'list', apiGroup: 'mastra.ai', resource: 'llms', namespace: 'default' }).allowed).toBe(false);
  });

  it('a stored role replaces its default, and deleting it brings the default back', () => {
    const local = new RbacPolicy(bootstrapPolicy());
    local.put(binding('x', 'ClusterRole', 'view', 'User:u'));
    const check = () => new RbacAuthorizer(() => local).authorize({ sub: 'u', groups: [] }, request('list', 'llms', 'x', '', 'mastra.ai')).allowed;
    expect(check()).toBe(true);
    local.put(clusterRole('view', rule('get', 'mastra.ai', 'agents')));
    expect(check()).toBe(false);
    local.remove('ClusterRole', '', 'view');
    expect(check()).toBe(true);
  });

  it('authorizes in well under 0.1 ms warm, with hundreds of bindings', () => {
    const big = new RbacPolicy(bootstrapPolicy());
    for (let i = 0; i < 300; i++) big.put(binding(`ns-${i}`, 'ClusterRole', 'edit', `User:user-${i}`));
    for (let i = 0; i < 50; i++) big.put(clusterBinding('view', `User:viewer-${i}`));
    const fast = new RbacAuthorizer(() => big);
    const who = { sub: 'user-150', groups: ['team', 'system:authenticated'] };
    const asked = { verb: 'patch', apiGroup: 'mastra.ai', resource: 'workflowruns', namespace: 'ns-150', name: 'r' };
    for (let i = 0; i < 2000; i++) fast.authorize(who, asked);
    const rounds = 20000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) if (!fast.authorize(who, asked).allowed) throw new Error('denied');
    const perCallMs = Number(process.hrtime.bigint() - started) / 1e6 / rounds;
    expect(perCallMs).toBeLessThan(0.1);
  });
});

describe('privilege escalation prevention', () => {
  const base = [...bootstrapPolicy(), binding('team-a', 'ClusterRole', 'admin', 'User:ad'), binding('team-a', 'ClusterRole', 'edit', 'User:ed')];
  const authorizer = authorizerOf(...base);
  const rb = (namespace: string, roleName: string, who: string) => binding(namespace, 'ClusterRole', roleName, `User:${who}`);

  it('lets a namespace admin grant edit or view in its namespace, but not cluster-admin nor admin elsewhere', () => {
    const ad = user('ad', 'system:authenticated');
    expect(() => authorizer.assertNoEscalation(ad, rb('team-a', 'edit', 'bob'), 'team-a')).not.toThrow();
    expect(() => authorizer.assertNoEscalation(ad, rb('team-a', 'view', 'bob'), 'team-a')).not.toThrow();
    const error = (() => {
      try {
        authorizer.assertNoEscalation(ad, rb('team-a', 'cluster-admin', 'ad'), 'team-a');
      } catch (thrown) {
        return thrown as ForbiddenError;
      }
      throw new Error('expected a ForbiddenError');
    })();
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.message).toMatch(/^rolebindings\.rbac\.authorization\.k8s\.io ".*" is forbidden: user "ad" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/);
    expect(() => authorizer.assertNoEscalation(ad, rb('team-b', 'edit', 'ad'), 'team-b')).toThrow(ForbiddenError);
  });

  it('refuses a Role with more rights than its writer, unless the writer may escalate or is in system:masters', () => {
    const wide = role('team-a', 'wide', rule('get', 'mastra.ai', 'secrets'));
    expect(() => authorizer.assertNoEscalation(user('ed'), wide, 'team-a')).toThrow(/attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["mastra.ai"\], Resources:\["secrets"\], Verbs:\["get"\]\}/);
    expect(() => authorizer.assertNoEscalation(user('ad'), wide, 'team-a')).not.toThrow();
    expect(() => authorizer.assertNoEscalation(user('root', 'system:masters'), clusterRole('all', rule('*', '*', '*')), '')).not.toThrow();
    const escalator = authorizerOf(...base, clusterRole('esc', rule('escalate', RBAC, 'roles')), rb('team-a', 'esc', 'ed'));
    expect(() => escalator.assertNoEscalation(user('ed'), wide, 'team-a')).not.toThrow();
  });

  it('lets a holder of bind on a role bind it without holding its rights', () => {
    const binder = authorizerOf(...base, clusterRole('binder', { verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }), rb('team-a', 'binder', 'ed'));
    expect(() => binder.assertNoEscalation(user('ed'), rb('team-a', 'cluster-admin', 'ed'), 'team-a')).not.toThrow();
    expect(() => binder.assertNoEscalation(user('ed'), rb('team-a', 'admin', 'ed'), 'team-a')).toThrow(ForbiddenError);
  });
});
