import { Injectable } from '@nestjs/common';
import { findKindByName, type Resource } from '@kastra/api';
import type { Principal } from '@kastra/auth';
import { isRbacKind, RbacAuthorizer, RbacPolicyCache, type RbacObject } from '@kastra/rbac';

/**
 * What RBAC asks of writes beyond "may this verb be used": a Role or binding may only grant what
 * its writer already holds (or may escalate/bind), and a write of one applies to the very next
 * request this gateway authorizes.
 */
@Injectable()
export class RbacWriteGuard {
  constructor(
    private readonly authorizer: RbacAuthorizer,
    private readonly cache: RbacPolicyCache,
  ) {}

  /** Throws ForbiddenError when writing `object` would grant `principal` rights it does not hold. */
  checkEscalation(principal: Principal, object: Resource): void {
    if (!isRbacKind(object.kind)) return;
    const namespace = findKindByName(object.kind)?.namespaced ? (object.metadata.namespace ?? '') : '';
    this.authorizer.assertNoEscalation(principal, object as unknown as RbacObject, namespace);
  }

  /** Applies a stored RBAC object (or its deletion) to the policy at once. */
  observe(object: Resource, deleted = false): void {
    if (isRbacKind(object.kind)) this.cache.observe(object, deleted);
  }
}
