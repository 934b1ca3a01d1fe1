import type { FieldCause } from './api-errors';
import { formatFieldPath, type FieldPathSegment } from './field-path';
import { asArray, asRecord } from './kinds/builtin-kind';
import { WORKFLOW_END } from './kinds/workflow-kind';

/** An edge of the step graph: where it goes and where it is written. */
export interface StepTransition {
  target: string;
  /** Path of the `next` that says so; undefined for the implicit "following step" edge. */
  field?: string;
  /** The branch condition, for conditional edges. */
  condition?: string;
}

/**
 * Where a step goes: its branches in order (first condition that holds wins), then the default:
 * `next` if set, else the following step in the list, else END. The executor follows the same rule.
 */
export function stepTransitions(spec: unknown, index: number, at: FieldPathSegment[] = ['spec']): StepTransition[] {
  const steps = asArray(asRecord(spec)?.steps);
  const step = asRecord(steps[index]) ?? {};
  const transitions: StepTransition[] = [];
  asArray(step.branches).forEach((value, j) => {
    const branch = asRecord(value);
    if (typeof branch?.next === 'string') {
      transitions.push({
        target: branch.next,
        field: formatFieldPath([...at, 'steps', index, 'branches', j, 'next']),
        condition: typeof branch.condition === 'string' ? branch.condition : undefined,
      });
    }
  });
  if (typeof step.next === 'string') {
    transitions.push({ target: step.next, field: formatFieldPath([...at, 'steps', index, 'next']) });
  } else {
    const following = asRecord(steps[index + 1])?.id;
    transitions.push({ target: typeof following === 'string' ? following : WORKFLOW_END });
  }
  return transitions;
}

/** The id of the first step to run: initialStep, or the first step's id. */
export function initialStepOf(spec: unknown): string | undefined {
  const workflow = asRecord(spec);
  if (typeof workflow?.initialStep === 'string') return workflow.initialStep;
  const first = asRecord(asArray(workflow?.steps)[0])?.id;
  return typeof first === 'string' ? first : undefined;
}

/**
 * Checks a Workflow spec's step graph: step ids unique and not END, initialStep exists, every
 * `next` names a step or END, every step is reachable from the initial step, and END is reachable
 * from every reachable step (a loop needs a way out). Used by the Workflow controller for Ready.
 */
export function validateWorkflowGraph(spec: unknown, at: FieldPathSegment[] = ['spec']): FieldCause[] {
  const steps = asArray(asRecord(spec)?.steps).map((value) => asRecord(value) ?? {});
  if (steps.length === 0) {
    return [{ reason: 'FieldValueRequired', field: formatFieldPath([...at, 'steps']), message: 'Required value: a workflow needs at least one step' }];
  }
  const causes: FieldCause[] = [];
  const indexById = new Map<string, number>();
  steps.forEach((step, i) => {
    if (typeof step.id !== 'string') return;
    const field = formatFieldPath([...at, 'steps', i, 'id']);
    if (step.id === WORKFLOW_END) {
      causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${WORKFLOW_END}": is reserved for the end of the workflow` });
    } else if (indexById.has(step.id)) {
      causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(step.id)}` });
    } else {
      indexById.set(step.id, i);
    }
  });

  const initial = initialStepOf(spec);
  const initialIndex = initial === undefined ? undefined : indexById.get(initial);
  if (initial !== undefined && initialIndex === undefined && asRecord(spec)?.initialStep !== undefined) {
    causes.push({
      reason: 'FieldValueNotFound',
      field: formatFieldPath([...at, 'initialStep']),
      message: `Not found: ${JSON.stringify(initial)}: no step has this id`,
    });
  }

  // Successor indexes per step; END and dangling targets (reported here) count as exits so a
  // dangling next is not reported twice.
  const successors: number[][] = [];
  const exits: boolean[] = [];
  steps.forEach((_, i) => {
    successors[i] = [];
    exits[i] = false;
    for (const transition of stepTransitions(spec, i, at)) {
      const target = indexById.get(transition.target);
      if (target !== undefined) successors[i].push(target);
      else {
        exits[i] = true;
        if (transition.target !== WORKFLOW_END && transition.field) {
          causes.push({
            reason: 'FieldValueNotFound',
            field: transition.field,
            message: `Not found: ${JSON.stringify(transition.target)}: must be a step id or ${WORKFLOW_END}`,
          });
        }
      }
    }
  });
  if (initialIndex === undefined) return causes;

  const reachable = new Set<number>([initialIndex]);
  const queue = [initialIndex];
  while (queue.length > 0) {
    for (const next of successors[queue.shift() as number]) {
      if (!reachable.has(next)) {
        reachable.add(next);
        queue.push(next);
      }
    }
  }
  const reachesEnd = new Set<number>(steps.map((_, i) => i).filter((i) => exits[i]));
  for (let changed = true; changed; ) {
    changed = false;
    steps.forEach((_, i) => {
      if (!reachesEnd.has(i) && successors[i].some((next) => reachesEnd.has(next))) {
        reachesEnd.add(i);
        changed = true;
      }
    });
  }
  steps.forEach((step, i) => {
    if (typeof step.id !== 'string' || indexById.get(step.id) !== i) return;
    const field = formatFieldPath([...at, 'steps', i]);
    if (!reachable.has(i)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: step ${JSON.stringify(step.id)} is not reachable from the initial step ${JSON.stringify(initial)}`,
      });
    } else if (!reachesEnd.has(i)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: step ${JSON.stringify(step.id)} never reaches ${WORKFLOW_END}: it is in a loop with no way out`,
      });
    }
  });
  return causes;
}
