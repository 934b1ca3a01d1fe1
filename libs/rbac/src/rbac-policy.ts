import type { BindingObject, PolicyRule, RbacObject, RoleObject, RoleRef, Subject } from './policy-types';

/** Who is asking: a user name and its groups (what a verified token carries). */
export interface RbacUser {
  sub: string;
  groups: readonly string[];
}

/** Where a rule came from, for the `reason` of a decision (as the apiserver words it). */
export type RuleSource = () => string;

/**
 * Visits the rules of `user` in `namespace`; return false to stop. Cluster role bindings first,
 * then the namespace's role bindings, as DefaultRuleResolver.VisitRulesFor does.
 */
export type RuleVisitor = (source: RuleSource, rule: PolicyRule) => boolean;

const keyOfNamespaced = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * An in-memory index of Roles, ClusterRoles and their bindings, answering which rules apply to a
 * user in a namespace. Built-in defaults (the bootstrap policy) lie under the stored objects: a
 * stored object of the same kind and name replaces its default.
 */
export class RbacPolicy {
  private readonly clusterRoles = new Map<string, RoleObject>();
  private readonly roles = new Map<string, RoleObject>();
  private readonly clusterRoleBindings = new Map<string, BindingObject>();
  /** namespace → name → binding */
  private readonly roleBindings = new Map<string, Map<string, BindingObject>>();
  private readonly defaults = new Map<string, RbacObject>();

  constructor(defaults: readonly RbacObject[] = []) {
    for (const object of defaults) {
      this.defaults.set(`${object.kind}/${object.metadata.name}`, object);
      this.put(object);
    }
  }

  /** Adds or replaces one object. */
  put(object: RbacObject): void {
    const namespace = object.metadata.namespace ?? '';
    switch (object.kind) {
      case 'ClusterRole':
        this.clusterRoles.set(object.metadata.name, object);
        return;
      case 'Role':
        this.roles.set(keyOfNamespaced(namespace, object.metadata.name), object);
        return;
      case 'ClusterRoleBinding':
        this.clusterRoleBindings.set(object.metadata.name, object);
        return;
      case 'RoleBinding': {
        let inNamespace = this.roleBindings.get(namespace);
        if (!inNamespace) this.roleBindings.set(namespace, (inNamespace = new Map()));
        inNamespace.set(object.metadata.name, object);
        return;
      }
    }
  }

  /** Removes one object; a cluster-scoped default comes back in its place. */
  remove(kind: RbacObject['kind'], namespace: string, name: string): void {
    switch (kind) {
      case 'ClusterRole':
        this.clusterRoles.delete(name);
        break;
      case 'Role':
        this.roles.delete(keyOfNamespaced(namespace, name));
        break;
      case 'ClusterRoleBinding':
        this.clusterRoleBindings.delete(name);
        break;
      case 'RoleBinding':
        this.roleBindings.get(namespace)?.delete(name);
        break;
    }
    const fallback = this.defaults.get(`${kind}/${name}`);
    if (fallback) this.put(fallback);
  }

  /** The rules a role reference grants, or undefined when the role does not exist (it grants nothing). */
  roleReferenceRules(roleRef: RoleRef, bindingNamespace: string): PolicyRule[] | undefined {
    if (roleRef.kind === 'ClusterRole') return this.clusterRoles.get(roleRef.name)?.rules ?? (this.clusterRoles.has(roleRef.name) ? [] : undefined);
    if (roleRef.kind === 'Role' && bindingNamespace !== '') {
      const role = this.roles.get(keyOfNamespaced(bindingNamespace, roleRef.name));
      return role ? (role.rules ?? []) : undefined;
    }
    return undefined;
  }

  visitRulesFor(user: RbacUser, namespace: string, visit: RuleVisitor): void {
    for (const binding of this.clusterRoleBindings.values()) {
      const subject = appliesTo(user, binding.subjects, '');
      if (!subject) continue;
      const rules = this.roleReferenceRules(binding.roleRef, '');
      if (!rules) continue;
      const source = () => `ClusterRoleBinding "${binding.metadata.name}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, '')}`;
      for (const rule of rules) if (!visit(source, rule)) return;
    }
    if (namespace === '') return;
    for (const binding of this.roleBindings.get(namespace)?.values() ?? []) {
      const subject = appliesTo(user, binding.subjects, namespace);
      if (!subject) continue;
      const rules = this.roleReferenceRules(binding.roleRef, namespace);
      if (!rules) continue;
      const source = () =>
        `RoleBinding "${binding.metadata.name}/${namespace}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, namespace)}`;
      for (const rule of rules) if (!visit(source, rule)) return;
    }
  }

  /** Every rule of `user` in `namespace` ('' for cluster-wide rules only). */
  rulesFor(user: RbacUser, namespace: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    this.visitRulesFor(user, namespace, (_source, rule) => {
      rules.push(rule);
      return true;
    });
    return rules;
  }
}

/** The first subject of a binding that is `user` (by name, a group, or its service account). */
function appliesTo(user: RbacUser, subjects: readonly Subject[] | undefined, namespace: string): Subject | undefined {
  return (subjects ?? []).find((subject) => {
    switch (subject.kind) {
      case 'User':
        return subject.name === user.sub;
      case 'Group':
        return user.groups.includes(subject.name);
      case 'ServiceAccount': {
        const saNamespace = subject.namespace || namespace;
        return saNamespace !== '' && user.sub === `system:serviceaccount:${saNamespace}:${subject.name}`;
      }
      default:
        return false;
    }
  });
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}
