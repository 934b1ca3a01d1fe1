import { findCondition, findKindByName, type Resource, type ResourceKey, type ResourceReference } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Problem } from './assessment';

export interface ReferenceCheckOptions {
  /** Kinds whose existence is enough (they have no Ready condition, or readiness is not required). @default ['Secret'] */
  existenceOnly?: string[];
}

/** `LLM "cooking/mock-llm"`: how messages name a resource. */
export function describeKey(key: ResourceKey): string {
  return `${key.kind} "${key.namespace}/${key.name}"`;
}

/**
 * Live reference resolution: every resource a spec refers to must exist and, unless its kind is
 * existence-only, be Ready for the generation it has now. The controller is re-run when any of
 * them changes (referrers are enqueued), so no polling is needed here.
 */
export class ReferenceChecker {
  constructor(private readonly store: ResourceStore) {}

  /** The references the kind declares for this resource (deduplicated by target). */
  referencesOf(resource: Resource): ResourceReference[] {
    const kind = findKindByName(resource.kind);
    const seen = new Set<string>();
    return (kind?.references(resource) ?? []).filter((ref) => {
      const id = `${ref.kind}/${ref.namespace}/${ref.name}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  async check(resource: Resource, options: ReferenceCheckOptions = {}): Promise<Problem[]> {
    const existenceOnly = new Set(options.existenceOnly ?? ['Secret']);
    const problems: Problem[] = [];
    for (const ref of this.referencesOf(resource)) {
      const target = await this.store.get(ref);
      if (!target) {
        problems.push({
          reason: 'ReferenceNotFound',
          message: `${describeKey(ref)} not found (${ref.field}): create it or correct the reference`,
          unresolvedReference: true,
        });
        continue;
      }
      if (existenceOnly.has(ref.kind)) continue;
      const notReady = notReadyBecause(target);
      if (notReady) problems.push({ reason: 'ReferenceNotReady', message: `${describeKey(ref)} is not Ready: ${notReady}` });
    }
    return problems;
  }
}

/** Why a resource does not count as Ready now, or undefined when it does. */
export function notReadyBecause(resource: Resource): string | undefined {
  if (resource.metadata.deletionTimestamp) return 'it is being deleted';
  const ready = findCondition(resource.status?.conditions, 'Ready');
  if (!ready) return 'not reconciled yet';
  const generation = resource.metadata.generation;
  const observed = resource.status?.observedGeneration;
  // A Ready condition about an older spec says nothing about the current one.
  if (generation !== undefined && observed !== undefined && observed < generation) return 'its latest change is not reconciled yet';
  if (ready.status !== 'True') return ready.message || ready.reason;
  return undefined;
}
