import type { NetworkRunEvent, NetworkRunStartedData, TimedNetworkRunEvent } from './network-run-events';
import { planNetworkRun } from './network-run-plan';
import { foldNetworkRunEvents } from './network-run-state';
import { networkRunStatus, NO_USAGE } from './network-run-status';

const started: NetworkRunStartedData = {
  network: 'default.research',
  message: 'the task',
  threadId: 't',
  maxSteps: 2,
  members: [
    { name: 'a', kind: 'agent', ref: 'default.a', description: 'A' },
    { name: 'w', kind: 'workflow', ref: 'default.w', description: 'W' },
  ],
  router: { model: 'default.m', structuredOutput: 'json_schema' },
  state: { persistence: false },
  history: [],
};
const at = '2026-01-01T00:00:00.000Z';
const fold = (...events: NetworkRunEvent[]) => foldNetworkRunEvents(events.map((event) => ({ ...event, at }) as TimedNetworkRunEvent));
const S: NetworkRunEvent = { type: 'NetworkRunStarted', data: started };
const decided = (step: number, next: string, answer = ''): NetworkRunEvent => ({ type: 'RouteDecided', data: { step, next, input: next === 'done' ? '' : `in ${step}`, reason: `r${step}`, answer } });
const memberStarted = (step: number, member = 'a', attempt = 1, childRun?: string): NetworkRunEvent => ({
  type: 'MemberStarted',
  data: { step, member, memberKind: member === 'w' ? 'workflow' : 'agent', input: `in ${step}`, attempt, ...(childRun ? { childRun } : {}) },
});
const finished = (step: number, member = 'a'): NetworkRunEvent => ({ type: 'MemberFinished', data: { step, member, output: `out ${step}` } });

describe('what a network run needs next', () => {
  it('starts, asks the router for step 1, runs the picked member, asks for the next step after its result', () => {
    expect(planNetworkRun(fold(), {})).toEqual({ kind: 'start' });
    expect(planNetworkRun(fold(S), {})).toEqual({ kind: 'route', step: 1 });
    expect(planNetworkRun(fold(S, decided(1, 'a')), {})).toMatchObject({ kind: 'member', step: 1, member: { name: 'a' }, input: 'in 1', attempt: 1 });
    expect(planNetworkRun(fold(S, decided(1, 'a'), memberStarted(1), finished(1)), {})).toEqual({ kind: 'route', step: 2 });
  });

  it('a recorded decision is never asked again: a turn started and not finished runs again (attempt + 1), up to the crash limit', () => {
    expect(planNetworkRun(fold(S, decided(1, 'a'), memberStarted(1)), {})).toMatchObject({ kind: 'member', step: 1, attempt: 2 });
    const crashed = planNetworkRun(fold(S, decided(1, 'a'), memberStarted(1), memberStarted(1, 'a', 2), memberStarted(1, 'a', 3)), {}, { maxMemberCrashes: 3 });
    expect(crashed).toMatchObject({ kind: 'events', events: [{ type: 'NetworkRunFailed', data: { reason: 'RouterCrashed', step: 1 } }] });
  });

  it('a workflow member waits for its child run, however often the run is advanced', () => {
    expect(planNetworkRun(fold(S, decided(1, 'w'), memberStarted(1, 'w', 1, 'run-step-1')), {})).toEqual({ kind: 'await-child', step: 1, member: started.members[1], childRun: 'run-step-1' });
  });

  it('done ends the run with the answer; a member past maxSteps fails it MaxStepsReached; a failed member fails it', () => {
    const done = fold(S, decided(1, 'a'), memberStarted(1), finished(1), decided(2, 'done', 'ANSWER'));
    expect(planNetworkRun(done, {})).toEqual({ kind: 'events', events: [{ type: 'NetworkRunSucceeded', data: { output: 'ANSWER', steps: 1 } }] });
    const tooMany = fold(S, decided(1, 'a'), memberStarted(1), finished(1), decided(2, 'a'), memberStarted(2), finished(2), decided(3, 'a'));
    expect(planNetworkRun(tooMany, {})).toMatchObject({ kind: 'events', events: [{ type: 'NetworkRunFailed', data: { reason: 'MaxStepsReached', step: 3 } }] });
    const failedTurn = fold(S, decided(1, 'a'), memberStarted(1), { type: 'MemberFailed', data: { step: 1, member: 'a', error: { type: 'X', message: 'boom' } } });
    expect(planNetworkRun(failedTurn, {})).toMatchObject({ kind: 'events', events: [{ type: 'NetworkRunFailed', data: { reason: 'MemberFailed', message: expect.stringContaining('boom') } }] });
  });

  it('cancel wins over everything but an end', () => {
    expect(planNetworkRun(fold(S, decided(1, 'a'), memberStarted(1)), { cancel: true })).toEqual({ kind: 'events', events: [{ type: 'NetworkRunCancelled', data: {} }] });
    expect(planNetworkRun(fold(S, { type: 'NetworkRunCancelled', data: {} }), { cancel: true })).toEqual({ kind: 'finished' });
  });
});

describe('the NetworkRun status', () => {
  it('keeps the route and partial results of a run stopped at maxSteps, with the reason in the Succeeded condition', () => {
    const state = fold(S, decided(1, 'a'), memberStarted(1), finished(1), decided(2, 'w'), memberStarted(2, 'w', 1, 'c'), finished(2, 'w'), decided(3, 'a'), {
      type: 'NetworkRunFailed',
      data: { reason: 'MaxStepsReached', message: 'too many', step: 3 },
    });
    const status = networkRunStatus(state, NO_USAGE);
    expect(status).toMatchObject({
      phase: 'Failed',
      steps: 2,
      route: [
        { step: 1, agent: 'a', reason: 'r1' },
        { step: 2, agent: 'w', reason: 'r2' },
      ],
      results: [
        { step: 1, member: 'a', output: 'out 1' },
        { step: 2, member: 'w', output: 'out 2' },
      ],
      error: { reason: 'MaxStepsReached', message: 'too many', step: 3 },
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'MaxStepsReached', message: 'too many', lastTransitionTime: at }],
    });
    expect(status.output).toBeUndefined();
  });
});
