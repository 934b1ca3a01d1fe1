import { ROUTE_DONE } from './route-decision';
import type { NetworkRunEvent, NetworkRunMember } from './network-run-events';
import { finishedTurns, isTerminalNetworkRun, type MemberTurn, type NetworkRunState } from './network-run-state';

/** Starts of one agent member turn that may end with no result (its process died) before the run fails. */
export const DEFAULT_MAX_MEMBER_CRASHES = 3;

/**
 * What a run needs next, decided from its log alone:
 * - `start`: record NetworkRunStarted (the host reads the Network);
 * - `events`: append these (the run ends, or a decision is followed up);
 * - `route`: ask the router for the decision of `step`;
 * - `member`: run the turn of `step` (a MemberStarted with `attempt` first);
 * - `await-child`: a workflow member's child run is under way;
 * - `finished`: nothing more to do.
 */
export type NetworkRunAction =
  | { kind: 'start' }
  | { kind: 'finished' }
  | { kind: 'events'; events: NetworkRunEvent[] }
  | { kind: 'route'; step: number }
  | { kind: 'member'; step: number; member: NetworkRunMember; input: string; attempt: number }
  | { kind: 'await-child'; step: number; member: NetworkRunMember; childRun: string };

export interface NetworkRunControl {
  cancel?: boolean;
}

export interface NetworkRunLimits {
  maxMemberCrashes: number;
}

export function planNetworkRun(state: NetworkRunState, control: NetworkRunControl, limits: NetworkRunLimits = { maxMemberCrashes: DEFAULT_MAX_MEMBER_CRASHES }): NetworkRunAction {
  if (isTerminalNetworkRun(state)) return { kind: 'finished' };
  if (control.cancel) return { kind: 'events', events: [{ type: 'NetworkRunCancelled', data: {} }] };
  const started = state.started;
  if (!started) return { kind: 'start' };
  const decision = state.decisions.at(-1);
  if (!decision) return { kind: 'route', step: 1 };
  const steps = finishedTurns(state).length;
  if (decision.next === ROUTE_DONE) return { kind: 'events', events: [{ type: 'NetworkRunSucceeded', data: { output: decision.answer, steps } }] };
  const turn = state.turns.find((t) => t.step === decision.step);
  if (turn?.error) {
    return { kind: 'events', events: [{ type: 'NetworkRunFailed', data: { reason: 'MemberFailed', message: `member ${turn.member} (step ${turn.step}) failed: ${turn.error.message}`, step: turn.step } }] };
  }
  if (turn?.output) return { kind: 'route', step: decision.step + 1 };
  if (decision.step > started.maxSteps) {
    return {
      kind: 'events',
      events: [{ type: 'NetworkRunFailed', data: { reason: 'MaxStepsReached', message: `the router still picked a member (${decision.next}) after ${started.maxSteps} member turns, the most this run may take`, step: decision.step } }],
    };
  }
  const member = started.members.find((m) => m.name === decision.next);
  if (!member) {
    return { kind: 'events', events: [{ type: 'NetworkRunFailed', data: { reason: 'UnknownMember', message: `the router picked ${JSON.stringify(decision.next)}, which is not a member of the network`, step: decision.step } }] };
  }
  const input = decision.input.trim() ? decision.input : started.message;
  if (!turn) return { kind: 'member', step: decision.step, member, input, attempt: 1 };
  return resumeTurn(turn, member, limits);
}

/** A turn started and not ended: its child run goes on; an agent's process died (run it again, up to a limit). */
function resumeTurn(turn: MemberTurn, member: NetworkRunMember, limits: NetworkRunLimits): NetworkRunAction {
  if (turn.childRun) return { kind: 'await-child', step: turn.step, member, childRun: turn.childRun };
  if (turn.starts >= limits.maxMemberCrashes) {
    return {
      kind: 'events',
      events: [
        {
          type: 'NetworkRunFailed',
          data: { reason: 'RouterCrashed', message: `member ${turn.member} (step ${turn.step}) was started ${turn.starts} times and its network-router stopped each time before it answered`, step: turn.step },
        },
      ],
    };
  }
  return { kind: 'member', step: turn.step, member, input: turn.input, attempt: turn.starts + 1 };
}
