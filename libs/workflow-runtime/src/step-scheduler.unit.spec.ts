import type { RunEvent, TimedRunEvent } from './run-events';
import { foldRunEvents } from './run-state';
import { runStatus } from './run-status';
import { afterAttempt, decide, type Decision } from './step-scheduler';

const UID = 'uid-1';
const AT = '2024-01-01T00:00:00.000Z';
const timed = (events: RunEvent[]): TimedRunEvent[] => events.map((event) => ({ ...event, at: AT }) as TimedRunEvent);

const linear = {
  steps: [
    { id: 'a', tool: 't', input: { type: 'user-input' }, output: { type: 'a-out' } },
    { id: 'b', agent: 'x', input: { from: 'a-out' }, retry: { maxAttempts: 2, initialIntervalMs: 100 } },
  ],
};
const started = (spec: Record<string, unknown> = linear, input: unknown = { q: 1 }): RunEvent => ({
  type: 'RunStarted',
  data: { workflow: { namespace: 'default', name: 'wf' }, workflowSpec: spec, input },
});
const scheduled = (stepId: string, input: unknown, visit = 1): RunEvent => ({
  type: 'StepScheduled',
  data: { stepId, visit, idempotencyKey: visit === 1 ? `${UID}:${stepId}` : `${UID}:${stepId}:${visit}`, input },
});
const startedStep = (stepId: string, attempt = 1): RunEvent => ({ type: 'StepStarted', data: { stepId, visit: 1, attempt, replica: 'r' } });
const succeeded = (stepId: string, output: unknown): RunEvent => ({ type: 'StepSucceeded', data: { stepId, visit: 1, output } });

function next(events: RunEvent[], control = {}, now = Date.parse(AT)): Decision {
  return decide(foldRunEvents(timed(events)), control, UID, now);
}

describe('the step scheduler', () => {
  it('schedules the initial step with the run input and the step idempotency key', () => {
    expect(next([started()])).toEqual({ kind: 'events', events: [scheduled('a', { q: 1 })] });
  });

  it('executes a scheduled step, and runs an in-flight step again as the same attempt after a crash', () => {
    const first = next([started(), scheduled('a', { q: 1 })]);
    expect(first).toMatchObject({ kind: 'execute', attempt: 1, activation: { idempotencyKey: `${UID}:a` } });
    const again = next([started(), scheduled('a', { q: 1 }), startedStep('a')]);
    expect(again).toMatchObject({ kind: 'execute', attempt: 1, activation: { idempotencyKey: `${UID}:a` } });
  });

  it('runs a step whose start ended with no result alone, and fails the run once it ended its executor maxCrashes times in a row', () => {
    // Given a step started three times, each start left without an end (its executor died)
    const base = [started(), scheduled('a', { q: 1 })];
    const crashed = (times: number) => [...base, ...Array.from({ length: times }, () => startedStep('a'))];
    // When it is decided on after one and two crashes, Then it runs again, the same attempt, isolated
    expect(next(crashed(1))).toMatchObject({ kind: 'execute', attempt: 1, isolated: true });
    expect(next(crashed(2))).toMatchObject({ kind: 'execute', attempt: 1, isolated: true });
    // and after the third the step fails ExecutorCrashed, naming it, and then the run
    const third = next(crashed(3));
    expect(third).toMatchObject({ kind: 'events', events: [{ type: 'StepFailed', data: { stepId: 'a', attempt: 1, error: { type: 'ExecutorCrashed' } } }] });
    expect((third as { events: RunEvent[] }).events[0].data).toMatchObject({ error: { message: expect.stringContaining('step "a" (attempt 1) was started 3 times in a row') } });
    expect(next([...crashed(3), ...(third as { events: RunEvent[] }).events])).toMatchObject({ events: [{ type: 'RunFailed', data: { stepId: 'a', error: { type: 'ExecutorCrashed' } } }] });
    // and the limit is the executor's to set
    expect(decide(foldRunEvents(timed(crashed(1))), {}, UID, Date.parse(AT), { maxCrashes: 1 })).toMatchObject({ events: [{ type: 'StepFailed' }] });
    expect(decide(foldRunEvents(timed(crashed(3))), {}, UID, Date.parse(AT), { maxCrashes: 5 })).toMatchObject({ kind: 'execute', isolated: true });
  });

  it('counts crashes in a row only: an item recorded, a retry or a graceful interruption in between is not one', () => {
    const base = [started(), scheduled('a', { q: 1 })];
    const item: RunEvent = { type: 'StepItemSucceeded', data: { stepId: 'a', visit: 1, item: 'item:0', output: 1 } };
    const interrupted: RunEvent = { type: 'StepInterrupted', data: { stepId: 'a', visit: 1, attempt: 1, replica: 'r' } };
    const retrying: RunEvent = { type: 'StepRetrying', data: { stepId: 'a', visit: 1, attempt: 1, error: { type: 'Boom', message: 'no' }, retryAt: AT } };
    // Given a crash, then a start that recorded an item before it crashed too, then one more crash:
    // two in a row since the item, not three
    expect(next([...base, startedStep('a'), startedStep('a'), item, startedStep('a')])).toMatchObject({ kind: 'execute', isolated: true });
    expect(next([...base, startedStep('a'), startedStep('a'), item, startedStep('a'), startedStep('a')])).toMatchObject({ events: [{ type: 'StepFailed' }] });
    // Given crashes around a shutdown that recorded StepInterrupted: the interrupted start is not counted
    expect(next([...base, startedStep('a'), startedStep('a'), interrupted, startedStep('a')])).toMatchObject({ kind: 'execute', isolated: true });
    expect(next([...base, startedStep('a'), interrupted])).toMatchObject({ kind: 'execute', isolated: false });
    // Given a crash, then the attempt's failure and a new attempt that is in flight: one crash
    expect(next([...base, startedStep('a'), startedStep('a'), retrying, startedStep('a', 2), startedStep('a', 2)])).toMatchObject({ kind: 'execute', attempt: 2, isolated: true });
    expect(next([...base, startedStep('a'), startedStep('a'), retrying, startedStep('a', 2), startedStep('a', 2), startedStep('a', 2)])).toMatchObject({ events: [{ type: 'StepFailed' }] });
  });

  it('does not count a nested workflow step woken again while its child runs as a crash', () => {
    const spec = { steps: [{ id: 'child', workflow: 'other' }] };
    const woken = [started(spec), scheduled('child', {}), ...Array.from({ length: 5 }, () => startedStep('child'))];
    expect(next(woken)).toMatchObject({ kind: 'execute', attempt: 1 });
    expect(next(woken)).not.toHaveProperty('isolated', true);
  });

  it('maps the next input from the output type of an earlier step and ends with the last output', () => {
    const afterA = [started(), scheduled('a', { q: 1 }), startedStep('a'), succeeded('a', { items: [1] })];
    expect(next(afterA)).toEqual({ kind: 'events', events: [scheduled('b', { items: [1] })] });
    const afterB = [...afterA, scheduled('b', { items: [1] }), startedStep('b'), succeeded('b', { text: 'done' })];
    expect(next(afterB)).toEqual({ kind: 'events', events: [{ type: 'RunSucceeded', data: { output: { text: 'done' } } }] });
  });

  it('follows the first branch whose condition holds, else next', () => {
    const spec = {
      steps: [
        { id: 'route', tool: 't', branches: [{ condition: 'output.kind == "billing"', next: 'billing' }], next: 'general' },
        { id: 'billing', tool: 't', next: 'END' },
        { id: 'general', tool: 't', input: { ticket: '$.input.ticket', kind: '$.steps.route.output.kind' } },
      ],
    };
    const base = [started(spec, { ticket: 7 }), scheduled('route', { ticket: 7 }), startedStep('route')];
    expect(next([...base, succeeded('route', { kind: 'billing' })])).toMatchObject({ events: [{ data: { stepId: 'billing' } }] });
    expect(next([...base, succeeded('route', { kind: 'other' })])).toMatchObject({ events: [{ data: { stepId: 'general', input: { ticket: 7, kind: 'other' } } }] });
  });

  it('retries with backoff until maxAttempts, then fails the run', () => {
    const now = Date.parse(AT);
    const base = [started(), scheduled('b', 'x')];
    const activation = foldRunEvents(timed(base)).activations[0];
    const step = linear.steps[1];
    const retry = afterAttempt(activation, step, 1, { ok: false, error: { type: 'Boom', message: 'no' }, retryable: true }, now);
    expect(retry).toEqual([{ type: 'StepRetrying', data: { stepId: 'b', visit: 1, attempt: 1, error: { type: 'Boom', message: 'no' }, retryAt: new Date(now + 100).toISOString() } }]);
    const waiting = [...base, startedStep('b'), ...retry];
    expect(next(waiting, {}, now)).toEqual({ kind: 'wait', untilMs: now + 100 });
    expect(next(waiting, {}, now + 100)).toMatchObject({ kind: 'execute', attempt: 2 });
    const last = afterAttempt(activation, step, 2, { ok: false, error: { type: 'Boom', message: 'no' }, retryable: true }, now);
    expect(last[0].type).toBe('StepFailed');
    expect(afterAttempt(activation, step, 1, { ok: false, error: { type: 'ToolInputError', message: 'bad' }, retryable: false }, now)[0].type).toBe('StepFailed');
    const failed = [...waiting, startedStep('b', 2), ...last];
    expect(next(failed)).toEqual({ kind: 'events', events: [{ type: 'RunFailed', data: { stepId: 'b', error: { type: 'Boom', message: 'no' } } }] });
  });

  it('waits while suspended, rejects a payload that breaks resumeSchema once, resumes with a valid one', () => {
    const spec = { steps: [{ id: 'approve', suspend: { resumeSchema: { type: 'object', required: ['approved'], properties: { approved: { type: 'boolean' } } } } }] };
    const suspended = [
      started(spec),
      scheduled('approve', {}),
      { type: 'RunSuspended', data: { stepId: 'approve', resumeSchema: spec.steps[0].suspend.resumeSchema } } as RunEvent,
    ];
    expect(next(suspended)).toEqual({ kind: 'idle' });
    const rejected = next(suspended, { resume: { approve: { approved: 'yes' } } });
    expect(rejected).toMatchObject({ kind: 'events', events: [{ type: 'ResumeRejected', data: { error: { type: 'InvalidResumePayload' } } }] });
    const afterReject = [...suspended, ...(rejected as { events: RunEvent[] }).events];
    expect(next(afterReject, { resume: { approve: { approved: 'yes' } } })).toEqual({ kind: 'idle' });
    expect(next(afterReject, { resume: { approve: { approved: true } } })).toEqual({
      kind: 'events',
      events: [
        { type: 'RunResumed', data: { stepId: 'approve', payload: { approved: true } } },
        { type: 'StepSucceeded', data: { stepId: 'approve', visit: 1, output: { approved: true } } },
      ],
    });
  });

  it('cancels at any point before the end, and does nothing after it', () => {
    expect(next([started(), scheduled('a', {}), startedStep('a')], { cancel: true })).toMatchObject({ events: [{ type: 'RunCancelled' }] });
    expect(next([started(), { type: 'RunSucceeded', data: { output: 1 } }], { cancel: true })).toEqual({ kind: 'done' });
  });

  it('fails the run when an input mapping names no earlier step', () => {
    const spec = { steps: [{ id: 'a', tool: 't', input: { from: 'nothing' } }] };
    expect(next([started(spec)])).toMatchObject({ events: [{ type: 'RunFailed', data: { stepId: 'a', error: { type: 'InputMappingError' } } }] });
  });

  it('projects status: phase, steps with attempts and keys, output and the Succeeded condition', () => {
    const events = [started(), scheduled('a', { q: 1 }), startedStep('a'), succeeded('a', 1), { type: 'RunSucceeded', data: { output: 1 } } as RunEvent];
    const status = runStatus(foldRunEvents(timed(events)));
    expect(status).toMatchObject({
      phase: 'Succeeded',
      output: 1,
      steps: { a: { state: 'Succeeded', attempts: 1, idempotencyKey: `${UID}:a`, output: 1 } },
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'RunSucceeded' }],
    });
  });
});
