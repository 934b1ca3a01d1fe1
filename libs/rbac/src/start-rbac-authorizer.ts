import type { ResourceKey } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { AuthorizationAttributes } from './authorization-attributes';
import { RbacAuthorizer } from './rbac-authorizer';
import { RbacPolicyCache } from './rbac-policy-cache';

export interface RunningRbacAuthorizer {
  authorizer: RbacAuthorizer;
  cache: RbacPolicyCache;
  stop(): Promise<void>;
}

/**
 * An authorizer over the RBAC policy of `store`, kept current by its watch: what a service that
 * decides on behalf of principals (the gateway, an executor) runs once per process.
 */
export async function startRbacAuthorizer(store: ResourceStore, logger?: ConstructorParameters<typeof RbacPolicyCache>[1]): Promise<RunningRbacAuthorizer> {
  const cache = new RbacPolicyCache(store, logger);
  await cache.start();
  return { authorizer: new RbacAuthorizer(() => cache.policy), cache, stop: () => cache.stop() };
}

/**
 * Whether whoever last wrote the spec or metadata of `key` may do what `attributes` say — the rule
 * for credentials and reach: "a resource may use a Secret only if whoever last wrote it may read
 * that Secret" is `mayLastWriter(store, authorizer, toolKey, {verb: 'get', apiGroup: 'mastra.ai',
 * resource: 'secrets', namespace, name})`. False when the object does not exist.
 */
export async function mayLastWriter(store: Pick<ResourceStore, 'lastWriter'>, authorizer: RbacAuthorizer, key: ResourceKey, attributes: AuthorizationAttributes): Promise<boolean> {
  const writer = await store.lastWriter(key);
  return writer !== undefined && authorizer.mayPrincipal(writer, attributes);
}
