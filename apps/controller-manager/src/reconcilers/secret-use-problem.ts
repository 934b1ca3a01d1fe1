import type { Resource } from '@kastra/api';
import type { ResourcePermissions } from '@kastra/rbac';
import type { Problem } from '../assessment';
import { describeKey } from '../reference-checker';

/**
 * SecretForbidden when `resource` may not use Secret `secret` — whoever last wrote it may not
 * `get` that Secret, so the services will not read it for this resource — or undefined when it
 * may. Looked at again after `recheckAfterMs` too (a RoleBinding change also wakes it).
 */
export async function secretUseProblem(
  permissions: ResourcePermissions,
  resource: Resource,
  secret: { namespace: string; name: string },
  field: string,
  recheckAfterMs: number,
): Promise<Problem | undefined> {
  if (await permissions.mayUseSecret(resource, secret)) return undefined;
  const key = describeKey({ kind: 'Secret', ...secret });
  return {
    reason: 'SecretForbidden',
    message:
      `${key} (${field}) may not be used: whoever last wrote this ${resource.kind} may not get that Secret, ` +
      `and a resource uses only Secrets its last writer may read; have someone who may read it write the ${resource.kind}`,
    recheckAfterMs,
  };
}
