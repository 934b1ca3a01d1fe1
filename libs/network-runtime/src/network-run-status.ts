import { setCondition, type Condition, type ResourceStatus } from '@kastra/api';
import { ROUTE_DONE } from './route-decision';
import { finishedTurns, type NetworkRunState } from './network-run-state';

/** Tokens and cost of a run's model calls (the llm-proxy's usage events naming the run). */
export interface RunUsage {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

export const NO_USAGE: RunUsage = { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };

/**
 * The NetworkRun status: a projection of the run's stream and its usage. `route` has one entry
 * per member turn the router asked for (a decision past maxSteps is not one), `results` each
 * finished turn's output, `steps` the member turns started.
 */
export function networkRunStatus(state: NetworkRunState, usage: RunUsage, previous?: readonly Condition[]): ResourceStatus {
  const maxSteps = state.started?.maxSteps ?? Number.POSITIVE_INFINITY;
  const status: ResourceStatus = {
    phase: state.phase,
    route: state.decisions.filter((d) => d.next !== ROUTE_DONE && d.step <= maxSteps).map((d) => ({ step: d.step, agent: d.next, reason: d.reason })),
    steps: state.turns.length,
    results: finishedTurns(state).map((turn) => ({ step: turn.step, member: turn.member, output: turn.output!.value })),
    usage,
  };
  if (state.started) {
    status.network = state.started.network;
    status.threadId = state.started.threadId;
  }
  if (state.startedAt) status.startedAt = state.startedAt;
  if (state.finishedAt) status.finishedAt = state.finishedAt;
  if (state.phase === 'Succeeded') status.output = state.output;
  if (state.error) status.error = state.error;
  const succeeded = succeededCondition(state);
  if (succeeded) status.conditions = setCondition(previous, { ...succeeded, lastTransitionTime: state.finishedAt });
  return status;
}

function succeededCondition(state: NetworkRunState): Omit<Condition, 'lastTransitionTime'> | undefined {
  switch (state.phase) {
    case 'Succeeded':
      return { type: 'Succeeded', status: 'True', reason: 'RunSucceeded', message: `the router answered after ${finishedTurns(state).length} member turns` };
    case 'Failed':
    case 'Cancelled':
      return { type: 'Succeeded', status: 'False', reason: state.error?.reason ?? 'RunFailed', message: state.error?.message ?? 'the run failed' };
    default:
      return undefined;
  }
}
