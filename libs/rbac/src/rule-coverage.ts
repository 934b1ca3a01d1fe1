import { type PolicyRule, WILDCARD } from './policy-types';

/**
 * Whether `owner` rules cover every permission of `servant` rules, and the uncovered atoms:
 * Kubernetes' escalation check (component-helpers rbac validation Covers). Each servant rule is
 * broken into atoms of one group, resource, verb and name; each atom must fit one owner rule.
 */
export function coversRules(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = servant.flatMap(breakdownRule).filter((atom) => !owner.some((rule) => ruleCovers(rule, atom)));
  return { covered: missing.length === 0, missing };
}

export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length > 0) for (const name of names) atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) atoms.push({ nonResourceURLs: [url], verbs: [verb] });
  return atoms;
}

const hasAll = (set: readonly string[], wanted: readonly string[]) => wanted.every((item) => set.includes(item));

function resourceCoversAll(owned: readonly string[], wanted: readonly string[]): boolean {
  if (owned.includes(WILDCARD) || hasAll(owned, wanted)) return true;
  return wanted.every((path) => {
    if (owned.includes(path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && owned.includes(`*/${path.slice(slash + 1)}`);
  });
}

function nonResourceUrlCovers(ownerPath: string, path: string): boolean {
  return ownerPath === path || (ownerPath.endsWith('*') && path.startsWith(ownerPath.replace(/\*+$/, '')));
}

function ruleCovers(owner: PolicyRule, atom: PolicyRule): boolean {
  const verbs = owner.verbs.includes(WILDCARD) || hasAll(owner.verbs, atom.verbs);
  const groups = (owner.apiGroups ?? []).includes(WILDCARD) || hasAll(owner.apiGroups ?? [], atom.apiGroups ?? []);
  const resources = resourceCoversAll(owner.resources ?? [], atom.resources ?? []);
  const urls = (atom.nonResourceURLs ?? []).every((path) => (owner.nonResourceURLs ?? []).some((ownerPath) => nonResourceUrlCovers(ownerPath, path)));
  const ownerNames = owner.resourceNames ?? [];
  const atomNames = atom.resourceNames ?? [];
  const names = atomNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, atomNames);
  return verbs && groups && resources && urls && names;
}

/** `{APIGroups:["mastra.ai"], Resources:["llms"], Verbs:["get"]}`, as the apiserver lists missing rights. */
export function compactRule(rule: PolicyRule): string {
  const parts: string[] = [];
  const list = (values: readonly string[]) => `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;
  if (rule.apiGroups?.length) parts.push(`APIGroups:${list(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${list(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${list(rule.resourceNames)}`);
  if (rule.verbs.length) parts.push(`Verbs:${list(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
