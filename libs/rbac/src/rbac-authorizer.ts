import { ForbiddenError, NotFoundError, RBAC_GROUP } from '@kastra/api';
import { type AuthorizationAttributes, forbiddenMessage } from './authorization-attributes';
import { SYSTEM_MASTERS_GROUP } from './bootstrap-policy';
import type { BindingObject, PolicyRule, RbacObject, RoleObject } from './policy-types';
import type { RbacPolicy, RbacUser } from './rbac-policy';
import { compactRule, coversRules } from './rule-coverage';
import { ruleAllows } from './rule-matching';

export interface AuthorizationDecision {
  allowed: boolean;
  /** Which binding allowed it, or why nothing did. */
  reason: string;
}

/**
 * Kubernetes RBAC over the current policy: a request is allowed when one rule of one binding that
 * applies to the user allows it (ClusterRoleBindings everywhere, RoleBindings in their namespace);
 * members of system:masters are always allowed, as the apiserver's privileged-group authorizer does.
 */
export class RbacAuthorizer {
  constructor(private readonly currentPolicy: () => RbacPolicy) {}

  authorize(user: RbacUser, attributes: AuthorizationAttributes): AuthorizationDecision {
    if (user.groups.includes(SYSTEM_MASTERS_GROUP)) return { allowed: true, reason: `member of ${SYSTEM_MASTERS_GROUP}` };
    let reason = '';
    this.currentPolicy().visitRulesFor(user, attributes.namespace ?? '', (source, rule) => {
      if (!ruleAllows(attributes, rule)) return true;
      reason = `RBAC: allowed by ${source()}`;
      return false;
    });
    return reason ? { allowed: true, reason } : { allowed: false, reason: '' };
  }

  /** Whether `user` may do what `attributes` say: what other services ask, e.g. "may the last writer of this Tool get that Secret?". */
  mayPrincipal(user: RbacUser, attributes: AuthorizationAttributes): boolean {
    return this.authorize(user, attributes).allowed;
  }

  /** Throws the apiserver's 403 when `user` may not. */
  assertAllowed(user: RbacUser, attributes: AuthorizationAttributes): void {
    if (this.authorize(user, attributes).allowed) return;
    throw new ForbiddenError(forbiddenMessage(user.sub, attributes), {
      ...(attributes.name ? { name: attributes.name } : {}),
      group: attributes.apiGroup ?? '',
      ...(attributes.resource ? { kind: attributes.resource } : {}),
    });
  }

  /** The rules `user` holds in `namespace` ('' for cluster-wide ones only), for SelfSubjectRulesReview and escalation checks. */
  rulesFor(user: RbacUser, namespace: string): PolicyRule[] {
    return this.currentPolicy().rulesFor(user, namespace);
  }

  /**
   * Privilege escalation prevention for a Role, ClusterRole or binding `user` is about to write in
   * `namespace` ('' for the cluster-scoped kinds), as the apiserver's RBAC storage does: allowed to
   * system:masters, to holders of `escalate` on the role (`bind` on the referenced role for a
   * binding), or when `user` already holds every permission granted. Throws ForbiddenError otherwise.
   */
  assertNoEscalation(user: RbacUser, object: RbacObject, namespace: string): void {
    if (user.groups.includes(SYSTEM_MASTERS_GROUP)) return;
    const plural = PLURALS[object.kind];
    let granted: PolicyRule[];
    if (object.kind === 'Role' || object.kind === 'ClusterRole') {
      const escalate = { verb: 'escalate', apiGroup: RBAC_GROUP, resource: plural, namespace, name: object.metadata.name };
      if (this.authorize(user, escalate).allowed) return;
      granted = (object as RoleObject).rules ?? [];
    } else {
      const roleRef = (object as BindingObject).roleRef;
      const bind = { verb: 'bind', apiGroup: roleRef.apiGroup, resource: roleRef.kind === 'Role' ? 'roles' : 'clusterroles', namespace, name: roleRef.name };
      if (this.authorize(user, bind).allowed) return;
      const rules = this.currentPolicy().roleReferenceRules(roleRef, namespace);
      if (!rules) throw new NotFoundError(roleRef.kind === 'Role' ? 'roles' : 'clusterroles', roleRef.name);
      granted = rules;
    }
    const { covered, missing } = coversRules(this.rulesFor(user, namespace), granted);
    if (covered) return;
    const missingRights = [...new Set(missing.map(compactRule))].sort().join('\n');
    const groups = `[${user.groups.map((group) => JSON.stringify(group)).join(' ')}]`;
    throw new ForbiddenError(
      `${plural}.${RBAC_GROUP} "${object.metadata.name}" is forbidden: user "${user.sub}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missingRights}`,
      { name: object.metadata.name, group: RBAC_GROUP, kind: plural },
    );
  }
}

const PLURALS: Record<RbacObject['kind'], string> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};
