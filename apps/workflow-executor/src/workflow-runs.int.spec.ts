import { findCondition } from '@kastra/api';
import { ExecutorTestEnvironment, httpTool, resource, runKey, scriptTool, userCtx } from './test/executor-test-environment';

jest.setTimeout(60_000);

describe('the workflow executor with Postgres and NATS', () => {
  let env: ExecutorTestEnvironment;

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('wfrun');
    env.fakeLlm((request) => `answer to: ${request.messages[request.messages.length - 1].content ?? ''}`);
    await env.apply(
      scriptTool('default', 'double', 'return { n: input.n * 2 }'),
      scriptTool('default', 'classify', 'return { kind: input.n > 10 ? "big" : "small", n: input.n }'),
      scriptTool('default', 'slow', 'const end = Date.now() + 5000; while (Date.now() < end) {} return {}', 10_000),
    );
    await env.startExecutor();
  });

  afterAll(async () => {
    await env?.close();
  });

  it('runs a linear workflow, one event per transition, status projected with the output', async () => {
    // Given a three-step workflow of tool steps
    await env.apply(resource('Workflow', 'default', 'linear', { steps: [
      { id: 'a', tool: 'double', input: { type: 'user-input' } },
      { id: 'b', tool: 'double' },
      { id: 'c', tool: 'double', input: { n: '$.steps.a.output.n' } },
    ] }));
    // When a run is created
    await env.createRun('default', 'linear-1', 'linear', { n: 1 });
    const run = await env.waitForPhase('default', 'linear-1', ['Succeeded', 'Failed']);
    // Then every step ran once in order and the status is the projection
    expect(run.status).toMatchObject({ phase: 'Succeeded', output: { n: 4 }, steps: { a: { state: 'Succeeded', attempts: 1, output: { n: 2 } }, b: { output: { n: 4 } }, c: { output: { n: 4 } } } });
    expect(findCondition(run.status?.conditions, 'Succeeded')?.status).toBe('True');
    expect((await env.runEvents(run)).map((event) => event.type)).toEqual([
      'RunStarted',
      ...['a', 'b', 'c'].flatMap(() => ['StepScheduled', 'StepStarted', 'StepSucceeded']),
      'RunSucceeded',
    ]);
  });

  it('takes the branch whose condition holds', async () => {
    await env.apply(resource('Workflow', 'default', 'branching', { steps: [
      { id: 'classify', tool: 'classify', branches: [{ condition: 'output.kind == "big"', next: 'big' }], next: 'small' },
      { id: 'big', tool: 'double', next: 'END' },
      { id: 'small', tool: 'double', input: { n: 0 } },
    ] }));
    await env.createRun('default', 'branch-big', 'branching', { n: 20 });
    await env.createRun('default', 'branch-small', 'branching', { n: 3 });
    const big = await env.waitForPhase('default', 'branch-big', ['Succeeded', 'Failed']);
    const small = await env.waitForPhase('default', 'branch-small', ['Succeeded', 'Failed']);
    expect(Object.keys(big.status?.steps as object).sort()).toEqual(['big', 'classify']);
    expect(big.status?.output).toEqual({ n: 40 });
    expect(Object.keys(small.status?.steps as object).sort()).toEqual(['classify', 'small']);
    expect(small.status?.output).toEqual({ n: 0 });
  });

  it('runs parallel calls and joins their outputs; runs foreach items with a concurrency limit', async () => {
    await env.apply(resource('Workflow', 'default', 'fan-out', { steps: [
      { id: 'both', parallel: [{ id: 'x', tool: 'double', input: { n: '$.input.n' } }, { id: 'y', tool: 'classify', input: { n: '$.input.n' } }] },
      { id: 'each', tool: 'double', foreach: { items: '$.input.list', concurrency: 2 } },
    ] }));
    await env.createRun('default', 'fan-1', 'fan-out', { n: 11, list: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    const run = await env.waitForPhase('default', 'fan-1', ['Succeeded', 'Failed']);
    expect(run.status?.steps).toMatchObject({ both: { output: { x: { n: 22 }, y: { kind: 'big', n: 11 } } } });
    expect(run.status?.output).toEqual([{ n: 2 }, { n: 4 }, { n: 6 }]);
    const items = (await env.runEvents(run)).filter((event) => event.type === 'StepItemSucceeded').map((event) => event.data.item);
    expect(items.sort()).toEqual(['branch:x', 'branch:y', 'item:0', 'item:1', 'item:2']);
  });

  it('retries a failing step with backoff and the same idempotency key, then succeeds', async () => {
    // Given an http tool that fails twice, then answers
    const server = await env.toolServer((_, __, calls) => (calls < 3 ? { status: 503, body: { error: 'busy' } } : { status: 200, body: { ok: true } }));
    await env.apply(httpTool('default', 'flaky', server.url), resource('Workflow', 'default', 'retrying', { steps: [
      { id: 'call', tool: 'flaky', retry: { maxAttempts: 3, initialIntervalMs: 50 } },
    ] }));
    const created = await env.createRun('default', 'retry-1', 'retrying', {});
    const run = await env.waitForPhase('default', 'retry-1', ['Succeeded', 'Failed']);
    // Then it took three attempts, all with the step's key
    expect(run.status).toMatchObject({ phase: 'Succeeded', output: { ok: true }, steps: { call: { attempts: 3 } } });
    expect(server.keys).toEqual([`${created.metadata.uid}:call`, `${created.metadata.uid}:call`, `${created.metadata.uid}:call`]);
    expect((await env.runEvents(run)).filter((event) => event.type === 'StepRetrying')).toHaveLength(2);
  });

  it('fails a step that passes its timeout, with Succeeded=False', async () => {
    await env.apply(resource('Workflow', 'default', 'too-slow', { steps: [{ id: 'wait', tool: 'slow', timeout: '300ms' }] }));
    await env.createRun('default', 'slow-1', 'too-slow', {});
    const run = await env.waitForPhase('default', 'slow-1', ['Succeeded', 'Failed']);
    expect(run.status).toMatchObject({ phase: 'Failed', steps: { wait: { state: 'Failed', error: { type: 'Timeout' } } } });
    expect(findCondition(run.status?.conditions, 'Succeeded')).toMatchObject({ status: 'False', reason: 'Timeout' });
  });

  it('suspends for approval, rejects a bad payload, resumes with a valid one', async () => {
    await env.apply(resource('Workflow', 'default', 'approval', { steps: [
      { id: 'approve', suspend: { message: 'ship it?', resumeSchema: { type: 'object', required: ['approved'], properties: { approved: { type: 'boolean' } } } } },
      { id: 'after', tool: 'classify', input: { n: 1 } },
    ] }));
    await env.createRun('default', 'approve-1', 'approval', {});
    const suspended = await env.waitForPhase('default', 'approve-1', ['Suspended']);
    expect(suspended.status?.steps).toMatchObject({ approve: { state: 'Suspended', message: 'ship it?' } });
    // When a payload that breaks the schema is given, the run stays suspended and says why
    await env.store.patch(runKey('default', 'approve-1'), (run) => ({ ...run!, spec: { ...run!.spec, resume: { approve: { approved: 'yes' } } } }), userCtx);
    const rejected = await eventuallyStatus(env, 'approve-1', (status) => (status.steps as { approve: { error?: unknown } }).approve.error !== undefined);
    expect(rejected).toMatchObject({ phase: 'Suspended', steps: { approve: { error: { type: 'InvalidResumePayload' } } } });
    // When a valid payload is given, the run resumes with it as the step output
    await env.store.patch(runKey('default', 'approve-1'), (run) => ({ ...run!, spec: { ...run!.spec, resume: { approve: { approved: true } } } }), userCtx);
    const done = await env.waitForPhase('default', 'approve-1', ['Succeeded', 'Failed']);
    expect(done.status).toMatchObject({ phase: 'Succeeded', steps: { approve: { state: 'Succeeded', output: { approved: true } } } });
  });

  it('cancels a run while a step is in flight', async () => {
    await env.apply(resource('Workflow', 'default', 'cancellable', { steps: [{ id: 'wait', tool: 'slow' }, { id: 'never', tool: 'double' }] }));
    await env.createRun('default', 'cancel-1', 'cancellable', {});
    await eventuallyStatus(env, 'cancel-1', (status) => (status.steps as { wait?: { state: string } } | undefined)?.wait?.state === 'Running');
    const started = Date.now();
    await env.store.patch(runKey('default', 'cancel-1'), (run) => ({ ...run!, spec: { ...run!.spec, cancel: true } }), userCtx);
    const run = await env.waitForPhase('default', 'cancel-1', ['Cancelled', 'Succeeded', 'Failed']);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(run.status).toMatchObject({ phase: 'Cancelled', steps: { wait: { state: 'Cancelled' } } });
    expect(findCondition(run.status?.conditions, 'Succeeded')).toMatchObject({ status: 'False', reason: 'Cancelled' });
    expect(Object.keys(run.status?.steps as object)).toEqual(['wait']);
  });

  it('runs a nested workflow as a child run owned by the parent', async () => {
    await env.apply(resource('Workflow', 'default', 'parent', { steps: [{ id: 'child', workflow: 'linear', input: { n: '$.input.n' } }] }));
    await env.createRun('default', 'nest-1', 'parent', { n: 2 });
    const run = await env.waitForPhase('default', 'nest-1', ['Succeeded', 'Failed']);
    expect(run.status?.output).toEqual({ n: 8 });
    const child = await env.store.get(runKey('default', 'nest-1-child'));
    expect(child?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'WorkflowRun', name: 'nest-1', uid: run.metadata.uid, controller: true });
  });

  it('fails a run whose workflow does not exist', async () => {
    await env.createRun('default', 'orphan-1', 'no-such-workflow', {});
    const run = await env.waitForPhase('default', 'orphan-1', ['Failed', 'Succeeded']);
    expect(findCondition(run.status?.conditions, 'Succeeded')).toMatchObject({ status: 'False', reason: 'WorkflowNotFound' });
  });

  it("runs the example recipe-suggestion workflow (agent, then the script tool) on a fake llm-proxy", async () => {
    await env.applyExample('mock-llms.yaml');
    await env.applyExample('recipe-assistant.yaml');
    await env.createRun('cooking', 'recipe-1', 'recipe-suggestion', { message: 'I have eggs and tomatoes' });
    const run = await env.waitForPhase('cooking', 'recipe-1', ['Succeeded', 'Failed']);
    expect(run.status?.phase).toBe('Succeeded');
    expect((run.status?.steps as Record<string, { output: { text?: string } }>)['check-ingredients'].output.text).toContain('eggs and tomatoes');
    const recipes = (run.status?.output as { recipes: Array<{ name: string }> }).recipes.map((recipe) => recipe.name);
    expect(recipes[0]).toBe('Tomato and egg stir-fry');
  });

  it("runs the example data-processing workflow extract -> transform -> load", async () => {
    await env.applyExample('data-processing.yaml');
    await env.createRun('default', 'etl-1', 'data-processing', 'id,name\n1, Ann ');
    const run = await env.waitForPhase('default', 'etl-1', ['Succeeded', 'Failed']);
    expect(run.status?.phase).toBe('Succeeded');
    expect(Object.keys(run.status?.steps as object).sort()).toEqual(['extract', 'load', 'transform']);
    // Each agent got the previous one's answer
    expect((run.status?.output as { text: string }).text).toBe('answer to: answer to: answer to: id,name\n1, Ann ');
  });
});

function eventuallyStatus(env: ExecutorTestEnvironment, name: string, test: (status: Record<string, unknown>) => boolean) {
  return env.waitForPhase('default', name, ['Pending', 'Running', 'Suspended', 'Succeeded', 'Failed', 'Cancelled']).then(() =>
    import('@kastra/testing').then(({ eventually }) =>
      eventually(async () => {
        const run = await env.store.get(runKey('default', name));
        return run?.status && test(run.status) ? run.status : undefined;
      }, 15_000, 50),
    ),
  );
}
