/** The names of a kind, as kubectl accepts them. */
export interface KindNames {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
}

/**
 * Names of the built-in kinds, apart from their definitions so reference parsing can use them
 * without importing every kind (the kinds themselves parse references).
 */
export const BUILTIN_KIND_NAMES = {
  LLM: { kind: 'LLM', plural: 'llms', singular: 'llm', shortNames: ['llm'] },
  Tool: { kind: 'Tool', plural: 'tools', singular: 'tool', shortNames: ['tl'] },
  Agent: { kind: 'Agent', plural: 'agents', singular: 'agent', shortNames: ['ag'] },
  Workflow: { kind: 'Workflow', plural: 'workflows', singular: 'workflow', shortNames: ['wf'] },
  Network: { kind: 'Network', plural: 'networks', singular: 'network', shortNames: ['net'] },
  System: { kind: 'System', plural: 'systems', singular: 'system', shortNames: ['sys'] },
  Secret: { kind: 'Secret', plural: 'secrets', singular: 'secret', shortNames: ['sec'] },
} satisfies Record<string, KindNames>;

/** Kind, plural, singular or short name, any case. */
export function matchesKindName(names: KindNames, name: string): boolean {
  const wanted = name.toLowerCase();
  return (
    names.kind.toLowerCase() === wanted ||
    names.plural === wanted ||
    names.singular === wanted ||
    names.shortNames.includes(wanted)
  );
}

export function findBuiltinKindNames(name: string): KindNames | undefined {
  return Object.values(BUILTIN_KIND_NAMES).find((names) => matchesKindName(names, name));
}
