import type { ResourceStore } from '@kastra/resource-store';
import type { AuthorizationAttributes } from './authorization-attributes';
import { bootstrapPolicy } from './bootstrap-policy';
import type { RbacObject } from './policy-types';
import { RbacAuthorizer } from './rbac-authorizer';
import { RbacPolicy, type RbacUser } from './rbac-policy';

/** What cluster-admin holds and no narrower role does: every verb on every resource of every group, cluster-wide. */
export const EVERYTHING: AuthorizationAttributes = { verb: '*', apiGroup: '*', resource: '*', namespace: '' };

/**
 * Whether `user` is a cluster admin — in system:masters, or bound cluster-wide to a role allowing
 * everything (cluster-admin) — read from the store's ClusterRoles and ClusterRoleBindings at the
 * time of the call. For services that ask rarely (an admin API) and need no policy cache.
 */
export async function isClusterAdmin(store: Pick<ResourceStore, 'list'>, user: RbacUser): Promise<boolean> {
  const policy = new RbacPolicy(bootstrapPolicy());
  for (const kind of ['ClusterRole', 'ClusterRoleBinding'] as const) {
    for (const item of (await store.list({ kind })).items) policy.put(item as unknown as RbacObject);
  }
  return new RbacAuthorizer(() => policy).authorize(user, EVERYTHING).allowed;
}
