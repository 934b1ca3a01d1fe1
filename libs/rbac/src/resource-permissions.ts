import { egressPrivateAttributes } from '@kastra/egress';
import type { ResourceStore } from '@kastra/resource-store';
import type { RbacAuthorizer } from './rbac-authorizer';
import { mayLastWriter } from './start-rbac-authorizer';

/** The part of a resource a permission is decided on: its kind, name and namespace, and which incarnation and spec it is. */
export interface PermissionSubject {
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; generation?: number };
}

/**
 * What a resource may use when a service acts on it: the rights of whoever last wrote its spec or
 * metadata, never of whoever runs it — so no principal can cause a credential it cannot read to be
 * sent to a destination it chooses.
 */
export interface ResourcePermissions {
  /** Whether the resource may connect to loopback, private, link-local and metadata addresses (`egress-private`). */
  mayReachPrivate(resource: PermissionSubject): Promise<boolean>;
  /** Whether the resource may use the value of Secret `secret` (its last writer may `get` it). */
  mayUseSecret(resource: PermissionSubject, secret: { namespace: string; name: string }): Promise<boolean>;
}

/** The attributes of reading Secret `namespace/name`: what `edit` lacks and `admin` holds. */
export function secretReadAttributes(secret: { namespace: string; name: string }) {
  return { verb: 'get', apiGroup: 'mastra.ai', resource: 'secrets', namespace: secret.namespace, name: secret.name };
}

/**
 * Both permissions by the RBAC policy of `authorizer`, asked for the last writer `store` recorded;
 * a resource with no recorded writer (or gone) may neither. The resource asked about must still
 * be the stored one (same uid and generation, read after the writer): a service holding an older
 * spec — read before someone else rewrote the object — must not run it with the new writer's rights.
 */
export function lastWriterPermissions(store: Pick<ResourceStore, 'lastWriter' | 'get'>, authorizer: RbacAuthorizer): ResourcePermissions {
  const may = async (resource: PermissionSubject, attributes: Parameters<typeof mayLastWriter>[3]) => {
    const key = { kind: resource.kind, namespace: resource.metadata.namespace ?? 'default', name: resource.metadata.name };
    if (!(await mayLastWriter(store, authorizer, key, attributes))) return false;
    // Read after the writer: an unchanged generation then means that writer vouched for this very spec.
    return isCurrent(resource, await store.get(key));
  };
  return {
    mayReachPrivate: (resource) => may(resource, egressPrivateAttributes(resource.metadata.namespace ?? 'default')),
    mayUseSecret: (resource, secret) => may(resource, secretReadAttributes(secret)),
  };
}

/** Whether `stored` is the incarnation and spec generation `resource` was read as (what it does not carry is not compared). */
function isCurrent(resource: PermissionSubject, stored: PermissionSubject | undefined): boolean {
  if (!stored) return false;
  const { uid, generation } = resource.metadata;
  return (uid === undefined || uid === stored.metadata.uid) && (generation === undefined || generation === stored.metadata.generation);
}

/** No resource may reach private addresses or use a Secret: the default where no authorizer runs. */
export const DENY_ALL_PERMISSIONS: ResourcePermissions = {
  mayReachPrivate: async () => false,
  mayUseSecret: async () => false,
};
