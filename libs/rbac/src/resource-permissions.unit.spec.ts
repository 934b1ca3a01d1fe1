import { bootstrapPolicy } from './bootstrap-policy';
import type { BindingObject } from './policy-types';
import { RbacAuthorizer } from './rbac-authorizer';
import { RbacPolicy } from './rbac-policy';
import { DENY_ALL_PERMISSIONS, lastWriterPermissions } from './resource-permissions';

const RBAC = 'rbac.authorization.k8s.io';
const bound = (user: string, role: string, namespace: string): BindingObject => ({
  kind: 'RoleBinding',
  metadata: { name: `${user}-${role}`, namespace },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'User', apiGroup: RBAC, name: user }],
});

describe('lastWriterPermissions', () => {
  // Given the built-in roles, mallory editing team-m and ada administering it, and who last wrote which Tool
  const policy = new RbacPolicy(bootstrapPolicy());
  policy.put(bound('mallory', 'edit', 'team-m'));
  policy.put(bound('ada', 'admin', 'team-m'));
  const writers: Record<string, { sub: string; groups: string[] }> = {
    'Tool/team-m/by-mallory': { sub: 'mallory', groups: ['system:authenticated'] },
    'Tool/team-m/by-ada': { sub: 'ada', groups: ['system:authenticated'] },
    'Tool/team-m/by-root': { sub: 'root', groups: ['system:masters'] },
  };
  const stored = (name: string, generation = 1) => ({ apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name, namespace: 'team-m', uid: `uid-${name}`, generation } });
  const store = {
    lastWriter: async (key: { kind: string; namespace: string; name: string }) => writers[`${key.kind}/${key.namespace}/${key.name}`],
    get: async (key: { kind: string; namespace: string; name: string }) => (writers[`${key.kind}/${key.namespace}/${key.name}`] ? stored(key.name) : undefined),
  };
  const permissions = lastWriterPermissions(store, new RbacAuthorizer(() => policy));
  const tool = (name: string) => stored(name);
  const adminKey = { namespace: 'team-m', name: 'admin-key' };

  it('lets a resource use a Secret only when its last writer may get it', async () => {
    expect(await permissions.mayUseSecret(tool('by-mallory'), adminKey)).toBe(false);
    expect(await permissions.mayUseSecret(tool('by-ada'), adminKey)).toBe(true);
    expect(await permissions.mayUseSecret(tool('by-root'), adminKey)).toBe(true);
    // ada administers team-m only: a Secret elsewhere is not hers to use
    expect(await permissions.mayUseSecret(tool('by-ada'), { namespace: 'other', name: 'admin-key' })).toBe(false);
    // a resource nobody is recorded to have written may use nothing
    expect(await permissions.mayUseSecret(tool('unknown'), adminKey)).toBe(false);
  });

  it('lets a resource reach private addresses only when its last writer holds egress-private (cluster-admin; not admin or edit)', async () => {
    expect(await permissions.mayReachPrivate(tool('by-root'))).toBe(true);
    expect(await permissions.mayReachPrivate(tool('by-ada'))).toBe(false);
    expect(await permissions.mayReachPrivate(tool('by-mallory'))).toBe(false);
  });

  it('refuses a resource read before its last write: another generation or incarnation is not what the writer vouched for', async () => {
    // Given ada's Tool as a service read it before (generation 0), and as another incarnation of the name
    const older = { ...tool('by-ada'), metadata: { ...tool('by-ada').metadata, generation: 0 } };
    const recreated = { ...tool('by-ada'), metadata: { ...tool('by-ada').metadata, uid: 'another-uid' } };
    // Then neither may use the Secret ada may read, nor reach what root's may
    expect(await permissions.mayUseSecret(older, adminKey)).toBe(false);
    expect(await permissions.mayUseSecret(recreated, adminKey)).toBe(false);
    expect(await permissions.mayReachPrivate({ ...tool('by-root'), metadata: { ...tool('by-root').metadata, generation: 7 } })).toBe(false);
  });

  it('DENY_ALL_PERMISSIONS refuses both', async () => {
    expect(await DENY_ALL_PERMISSIONS.mayUseSecret(tool('by-root'), adminKey)).toBe(false);
    expect(await DENY_ALL_PERMISSIONS.mayReachPrivate(tool('by-root'))).toBe(false);
  });
});
