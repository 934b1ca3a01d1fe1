import type { Condition, ConditionStatus, Resource } from './resource';

/** A condition to set; lastTransitionTime is filled in when the status changes. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/**
 * Returns a new list with `next` set. Like Kubernetes' meta.SetStatusCondition:
 * lastTransitionTime moves only when the status changes (so "Ready since" means something);
 * reason, message and observedGeneration always take the new values.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionUpdate,
  now: () => Date = () => new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((condition) => condition.type === next.type);
  const existing = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    existing && existing.status === next.status
      ? existing.lastTransitionTime
      : (next.lastTransitionTime ?? now().toISOString());
  const condition: Condition = { ...next, lastTransitionTime };
  if (condition.observedGeneration === undefined) delete condition.observedGeneration;
  if (index >= 0) list[index] = condition;
  else list.push(condition);
  return list;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

export function conditionStatus(conditions: readonly Condition[] | undefined, type: string): ConditionStatus {
  return findCondition(conditions, type)?.status ?? 'Unknown';
}

/** True when the resource's Ready condition is True (what references wait for). */
export function isReady(resource: Pick<Resource, 'status'> | undefined): boolean {
  return findCondition(resource?.status?.conditions, 'Ready')?.status === 'True';
}

/** Phases Kastra derives from conditions. */
export type Phase = 'Pending' | 'Ready' | 'NotReady' | 'Running' | 'Succeeded' | 'Failed';

/**
 * `status.phase` is a summary of the conditions, never a source of truth:
 * runs (with a Succeeded condition): Running, Succeeded or Failed;
 * other kinds: Ready, NotReady (Ready=False) or Pending (not yet reconciled / Unknown).
 */
export function derivePhase(conditions: readonly Condition[] | undefined): Phase {
  const succeeded = findCondition(conditions, 'Succeeded');
  if (succeeded) {
    if (succeeded.status === 'True') return 'Succeeded';
    if (succeeded.status === 'False') return 'Failed';
    return 'Running';
  }
  const ready = findCondition(conditions, 'Ready');
  if (ready?.status === 'True') return 'Ready';
  if (ready?.status === 'False') return 'NotReady';
  return 'Pending';
}
