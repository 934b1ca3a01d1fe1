import { derivePhase, setCondition, type Resource, type ResourceStatus } from '@kastra/api';

/** Status writes are skipped when nothing changed; the comparison is the controller runtime's. */
export { sameJson } from '@kastra/controller-runtime';

/** Something that keeps a resource from being Ready, said so a person can fix it. */
export interface Problem {
  /** CamelCase reason of the Ready=False condition, e.g. `ReferenceNotFound`, `APIKeyMissing`. */
  reason: string;
  /** Names what is missing or wrong and what to do. */
  message: string;
  /** A reference that does not exist: also makes ReferencesResolved False. @default false */
  unresolvedReference?: boolean;
  /** Will not go away without a spec change (bad script, invalid graph): phase Failed. @default false */
  terminal?: boolean;
  /** Nothing signals the fix (environment, network): look again after this delay. */
  recheckAfterMs?: number;
}

/** What a kind reconciler found: the problems (none = Ready), and extra status fields. */
export interface Assessment {
  problems: Problem[];
  /** Message of Ready=True. */
  readyMessage: string;
  /** Kind-specific status fields, e.g. a System's children. */
  fields?: Record<string, unknown>;
  /** Look again after this delay even when Ready: it rests on something that signals no change to it. */
  recheckAfterMs?: number;
}

/**
 * The status an assessment calls for: `ReferencesResolved` and `Ready` conditions (transition
 * times kept while their status holds), observedGeneration, and phase derived from the conditions.
 * Status fields other reconcilers own are kept.
 */
export function statusFor(resource: Resource, assessment: Assessment, now: () => Date = () => new Date()): ResourceStatus {
  const generation = resource.metadata.generation;
  const unresolved = assessment.problems.filter((problem) => problem.unresolvedReference);
  let conditions = setCondition(
    resource.status?.conditions,
    unresolved.length > 0
      ? { type: 'ReferencesResolved', status: 'False', reason: 'ReferenceNotFound', message: joinMessages(unresolved), observedGeneration: generation }
      : { type: 'ReferencesResolved', status: 'True', reason: 'ReferencesResolved', message: 'every reference exists', observedGeneration: generation },
    now,
  );
  const [first] = assessment.problems;
  conditions = setCondition(
    conditions,
    first
      ? { type: 'Ready', status: 'False', reason: first.reason, message: joinMessages(assessment.problems), observedGeneration: generation }
      : { type: 'Ready', status: 'True', reason: 'Ready', message: assessment.readyMessage, observedGeneration: generation },
    now,
  );
  const terminal = assessment.problems.some((problem) => problem.terminal);
  return {
    ...resource.status,
    ...assessment.fields,
    observedGeneration: generation,
    phase: terminal ? 'Failed' : derivePhase(conditions),
    conditions,
  };
}

/** The soonest re-check any problem asks for. */
export function recheckDelay(assessment: Assessment): number | undefined {
  const delays = [...assessment.problems.map((problem) => problem.recheckAfterMs), assessment.recheckAfterMs].filter((ms): ms is number => ms !== undefined);
  return delays.length > 0 ? Math.min(...delays) : undefined;
}

function joinMessages(problems: Problem[]): string {
  return problems.map((problem) => problem.message).join('; ');
}
