import type { ResourceKey } from '@kastra/api';
import { NatsLlmClient, type ToolSource } from '@kastra/agent-runtime';
import { EventStore } from '@kastra/event-store';
import { AgentRuntimeInvoker } from './agent-runtime-invoker';
import type { CallContext, StepInvoker } from '@kastra/workflow-runtime';
import { runStreamId } from './run/run-stream';
import { ExecutorTestEnvironment, resource, scriptTool } from './test/executor-test-environment';

jest.setTimeout(90_000);

/**
 * Failures that are not a step's own error — the log refusing a step's result, an advance that
 * fails after the step ran — count against the step (its retry policy, or the crash limit) and
 * end the run, instead of running the step again for ever.
 */
describe('failures around a step end its run', () => {
  let env: ExecutorTestEnvironment;
  const sabotaged: string[] = [];

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('wffail');
    const runtime = new AgentRuntimeInvoker({ store: env.store as unknown as ToolSource, llm: new NatsLlmClient({ nc: env.nc, prefix: env.prefix, timeoutMs: 5000 }), events: new EventStore(env.pool) });
    // A tool whose call moves the run's stream on under the advance: the step succeeds, and
    // recording its result is fenced (what a lost lock or another replica would cause).
    const invoker: StepInvoker = {
      callAgent: (agent, input, ctx) => runtime.callAgent(agent, input, ctx),
      callTool: async (tool: ResourceKey, input: unknown, ctx: CallContext) => {
        if (tool.name !== 'sabotage') return runtime.callTool(tool, input, ctx);
        sabotaged.push(ctx.idempotencyKey);
        await new EventStore(env.pool).append(runStreamId(ctx.run.namespace, ctx.run.name, ctx.run.uid), [
          { type: 'StepItemSucceeded', data: { stepId: 'elsewhere', visit: 1, item: 'x', output: null } },
        ]);
        return { done: true };
      },
    };
    await env.apply(
      scriptTool('default', 'nul', 'return "before\\u0000after"'),
      scriptTool('default', 'big', 'return "x".repeat(5000)'),
      scriptTool('default', 'small', 'return { n: 1 }'),
      resource('Tool', 'default', 'sabotage', { description: 'fenced', builtin: 'current-time' }),
      resource('Workflow', 'default', 'unstorable', { steps: [{ id: 'emit', tool: 'nul', retry: { maxAttempts: 2, initialIntervalMs: 50 } }] }),
      resource('Workflow', 'default', 'oversized', { steps: [{ id: 'emit', tool: 'big', retry: { maxAttempts: 3, initialIntervalMs: 50 } }] }),
      resource('Workflow', 'default', 'unstorable-item', {
        steps: [{ id: 'each', tool: 'nul', foreach: { items: '$.input.items', concurrency: 1 } }, { id: 'after', tool: 'small' }],
      }),
      resource('Workflow', 'default', 'fenced', { steps: [{ id: 'work', tool: 'sabotage', retry: { maxAttempts: 5, initialIntervalMs: 50 } }] }),
    );
    await env.startExecutor({ invoker, ackWaitMs: 3000, maxOutputBytes: 1000, maxCrashes: 3 });
  });

  afterAll(async () => {
    await env?.close();
  });

  it('fails an attempt whose output the log refuses (a NUL in a JSON string), by the step\'s retry policy', async () => {
    // Given a step whose output Postgres cannot store in JSON, with two attempts
    // When it runs
    await env.createRun('default', 'nul-1', 'unstorable', {});
    const run = await env.waitForPhase('default', 'nul-1', ['Succeeded', 'Failed'], 30_000);
    // Then each attempt failed OutputNotStorable, and the run failed after the second
    expect(run.status).toMatchObject({ phase: 'Failed', error: { type: 'OutputNotStorable', stepId: 'emit' }, steps: { emit: { state: 'Failed', attempts: 2 } } });
    const types = (await env.runEvents(run)).map((event) => event.type);
    expect(types).toEqual(['RunStarted', 'StepScheduled', 'StepStarted', 'StepRetrying', 'StepStarted', 'StepFailed', 'RunFailed']);
  });

  it('fails an attempt whose output is over the output limit, by the step\'s retry policy', async () => {
    await env.createRun('default', 'big-1', 'oversized', {});
    const run = await env.waitForPhase('default', 'big-1', ['Succeeded', 'Failed'], 30_000);
    expect(run.status).toMatchObject({ phase: 'Failed', error: { type: 'OutputTooLarge', stepId: 'emit' }, steps: { emit: { state: 'Failed', attempts: 3 } } });
    expect(String((run.status?.error as { message: string }).message)).toContain('over the 1000-byte limit');
  });

  it('fails the step when the log refuses an item\'s output, instead of running the step again', async () => {
    await env.createRun('default', 'nul-item-1', 'unstorable-item', { items: [1, 2] });
    const run = await env.waitForPhase('default', 'nul-item-1', ['Succeeded', 'Failed'], 30_000);
    expect(run.status).toMatchObject({ phase: 'Failed', error: { type: 'OutputNotStorable', stepId: 'each' }, steps: { each: { state: 'Failed', attempts: 1 } } });
    expect((await env.runEvents(run)).filter((event) => event.type === 'StepStarted')).toHaveLength(1);
  });

  it('runs a step whose result is never recorded (the advance fails after it) at most maxCrashes times, then fails the run', async () => {
    // Given a step that succeeds every time, but whose result cannot be recorded
    // When it runs
    const created = await env.createRun('default', 'fenced-1', 'fenced', {});
    const run = await env.waitForPhase('default', 'fenced-1', ['Succeeded', 'Failed'], 60_000);
    // Then it ran three times (not for ever, and not as five attempts: no attempt ever ended) and
    // the run failed ExecutorCrashed naming it
    expect(run.status).toMatchObject({ phase: 'Failed', error: { type: 'ExecutorCrashed', stepId: 'work' } });
    expect(sabotaged.filter((key) => key.startsWith(`${created.metadata.uid}:`))).toHaveLength(3);
    const starts = (await env.runEvents(run)).filter((event) => event.type === 'StepStarted');
    expect(starts.map((event) => [event.data.attempt, event.data.isolated ?? false])).toEqual([
      [1, false],
      [1, true],
      [1, true],
    ]);
  });
});
