import type { NetworkRunPhase } from '@kastra/api';
import type { MemberStartedData, NetworkRunError, NetworkRunFailureReason, NetworkRunStartedData, RouteDecidedData, TimedNetworkRunEvent } from './network-run-events';

/** One member turn: the step it is, what started it, how often, and how it ended. */
export interface MemberTurn {
  step: number;
  member: string;
  memberKind: 'agent' | 'workflow';
  input: string;
  childRun?: string;
  /** MemberStarted events of the turn. */
  starts: number;
  lastStart: MemberStartedData;
  startedAt: string;
  finishedAt?: string;
  /** Set when it finished. */
  output?: { value: unknown };
  error?: NetworkRunError;
}

/** A run folded from its stream. */
export interface NetworkRunState {
  phase: NetworkRunPhase;
  started?: NetworkRunStartedData;
  startedAt?: string;
  finishedAt?: string;
  decisions: RouteDecidedData[];
  turns: MemberTurn[];
  output?: string;
  error?: { reason: NetworkRunFailureReason | 'Cancelled'; message: string; step?: number };
}

export function isTerminalNetworkRun(state: Pick<NetworkRunState, 'phase'>): boolean {
  return state.phase === 'Succeeded' || state.phase === 'Failed' || state.phase === 'Cancelled';
}

/** The state a run's events lead to (the same events always give the same state). */
export function foldNetworkRunEvents(events: readonly TimedNetworkRunEvent[]): NetworkRunState {
  const state: NetworkRunState = { phase: 'Pending', decisions: [], turns: [] };
  for (const event of events) {
    if (isTerminalNetworkRun(state)) break;
    switch (event.type) {
      case 'NetworkRunStarted':
        state.phase = 'Running';
        state.started = event.data;
        state.startedAt = event.at;
        break;
      case 'RouteDecided':
        state.decisions.push(event.data);
        break;
      case 'MemberStarted': {
        const turn = state.turns.find((t) => t.step === event.data.step);
        if (turn) {
          turn.starts += 1;
          turn.lastStart = event.data;
        } else {
          const { step, member, memberKind, input, childRun } = event.data;
          state.turns.push({ step, member, memberKind, input, ...(childRun ? { childRun } : {}), starts: 1, lastStart: event.data, startedAt: event.at });
        }
        break;
      }
      case 'MemberFinished': {
        const turn = state.turns.find((t) => t.step === event.data.step);
        if (turn) Object.assign(turn, { output: { value: event.data.output }, finishedAt: event.at });
        break;
      }
      case 'MemberFailed': {
        const turn = state.turns.find((t) => t.step === event.data.step);
        if (turn) Object.assign(turn, { error: event.data.error, finishedAt: event.at });
        break;
      }
      case 'NetworkRunSucceeded':
        state.phase = 'Succeeded';
        state.output = event.data.output;
        state.finishedAt = event.at;
        break;
      case 'NetworkRunFailed':
        state.phase = 'Failed';
        state.error = { reason: event.data.reason, message: event.data.message, ...(event.data.step !== undefined ? { step: event.data.step } : {}) };
        state.finishedAt = event.at;
        break;
      case 'NetworkRunCancelled':
        state.phase = 'Cancelled';
        state.error = { reason: 'Cancelled', message: 'the run was cancelled' };
        state.finishedAt = event.at;
        break;
    }
  }
  return state;
}

/** The member turns that finished, in step order. */
export function finishedTurns(state: NetworkRunState): MemberTurn[] {
  return state.turns.filter((turn) => turn.output !== undefined).sort((a, b) => a.step - b.step);
}
