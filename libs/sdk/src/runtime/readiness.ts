import { findCondition, findKindByName, type Resource, type ResourceKey } from '@kastra/api';
import { NotReadyError, type MissingReference } from '../errors/kastra-errors';
import { notReadyBecause } from '../embedded/kind-reconcilers';

/**
 * NotReadyError when `resource` is not Ready for its current spec (undefined when it is), naming
 * the references that keep it so: those that do not exist, and those that exist but are not Ready
 * (Secrets, and an LLM's fallbacks, only need to exist — the reconcilers' rule).
 */
export async function notReadyError(resource: Resource, get: (key: ResourceKey) => Promise<Resource | undefined>): Promise<NotReadyError | undefined> {
  const why = notReadyBecause(resource);
  if (why === undefined) return undefined;
  const existenceOnly = new Set(resource.kind === 'LLM' ? ['Secret', 'LLM'] : ['Secret']);
  const missing: MissingReference[] = [];
  const seen = new Set<string>();
  for (const ref of findKindByName(resource.kind)?.references(resource) ?? []) {
    const id = `${ref.kind}/${ref.namespace}/${ref.name}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const target = await get(ref);
    if (!target) missing.push({ kind: ref.kind, namespace: ref.namespace, name: ref.name, field: ref.field, problem: 'NotFound' });
    else if (!existenceOnly.has(ref.kind) && notReadyBecause(target) !== undefined) {
      missing.push({ kind: ref.kind, namespace: ref.namespace, name: ref.name, field: ref.field, problem: 'NotReady' });
    }
  }
  const ready = findCondition(resource.status?.conditions, 'Ready');
  const namespace = resource.metadata.namespace ?? 'default';
  return new NotReadyError(resource.kind, namespace, resource.metadata.name, missing, ready && ready.status !== 'True' ? ready.reason : 'NotReconciled', why);
}
