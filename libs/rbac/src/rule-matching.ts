import { type AuthorizationAttributes, isResourceRequest } from './authorization-attributes';
import { type PolicyRule, WILDCARD } from './policy-types';

/** Rule matching exactly as Kubernetes' RBAC evaluates it (pkg/apis/rbac/v1 evaluation helpers). */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((ruleVerb) => ruleVerb === WILDCARD || ruleVerb === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((ruleGroup) => ruleGroup === WILDCARD || ruleGroup === group);
}

/** `*` matches any resource, `pods/log` the subresource, `*\/log` that subresource of any resource. */
export function resourceMatches(rule: PolicyRule, combinedResource: string, subresource: string): boolean {
  for (const ruleResource of rule.resources ?? []) {
    if (ruleResource === WILDCARD || ruleResource === combinedResource) return true;
    if (subresource === '') continue;
    if (ruleResource.length === subresource.length + 2 && ruleResource.startsWith('*/') && ruleResource.endsWith(subresource)) return true;
  }
  return false;
}

/** No resourceNames: every name (and nameless requests); otherwise only those names. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** `*` any path, an exact path, or a prefix ending in `*`. */
export function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (ruleUrl) => ruleUrl === WILDCARD || ruleUrl === path || (ruleUrl.endsWith('*') && path.startsWith(ruleUrl.replace(/\*+$/, ''))),
  );
}

/** True when `rule` allows the request (RuleAllows). */
export function ruleAllows(attributes: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (isResourceRequest(attributes)) {
    const subresource = attributes.subresource ?? '';
    const combined = subresource ? `${attributes.resource}/${subresource}` : attributes.resource!;
    return (
      verbMatches(rule, attributes.verb) &&
      apiGroupMatches(rule, attributes.apiGroup ?? '') &&
      resourceMatches(rule, combined, subresource) &&
      resourceNameMatches(rule, attributes.name ?? '')
    );
  }
  return verbMatches(rule, attributes.verb) && nonResourceUrlMatches(rule, attributes.path ?? '');
}
