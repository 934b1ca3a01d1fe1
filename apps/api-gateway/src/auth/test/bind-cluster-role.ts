import type { Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';

/**
 * Stores a binding of ClusterRole `role` to user `sub`: a RoleBinding `<sub>-<role>` in
 * `namespace`, or a ClusterRoleBinding when none is given. Written as the server itself would.
 */
export async function bindClusterRole(store: ResourceStore, sub: string, role: string, namespace?: string): Promise<Resource> {
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: { name: `${sub}-${role}`, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: sub }],
  } as unknown as Resource;
  return store.create(binding, { actor: 'test', principal: { sub: 'test', groups: ['system:masters'] } });
}
