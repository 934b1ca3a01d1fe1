import type { ResourceKey } from '@kastra/api';
import { ExecutorTestEnvironment, httpTool, resource, runKey, userCtx } from './test/executor-test-environment';
import { publishWork } from './work-queue';

jest.setTimeout(60_000);

/**
 * How work messages behave while a run is advanced: the message is kept alive for the whole
 * advance (not only while one step runs), and a second message for a run this process already
 * advances is acked and turned into one more look at the run before its lock is released.
 */
describe('work message delivery while a run is advanced', () => {
  let env: ExecutorTestEnvironment;
  const deliveries: Array<{ run: string; count: number }> = [];
  const onWorkDelivered = (run: ResourceKey, count: number) => deliveries.push({ run: run.name, count });
  const deliveriesOf = (name: string) => deliveries.filter((d) => d.run === name).map((d) => d.count);
  const executors: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('wfdeliv');
    // Every call takes ~200 ms: a run of many steps outlives the shortened ack_wait below.
    const slow = await env.toolServer(() => ({ status: 200, body: { ok: true }, delayMs: 200 }));
    await env.apply(
      httpTool('default', 'slow', slow.url),
      resource('Workflow', 'default', 'many-steps', { steps: Array.from({ length: 16 }, (_, i) => ({ id: `s${i + 1}`, tool: 'slow', input: {} })) }),
      resource('Workflow', 'default', 'slow-then-approve', {
        steps: [
          { id: 'work', tool: 'slow', input: {} },
          { id: 'work2', tool: 'slow', input: {} },
          { id: 'approve', suspend: { message: 'ok?' } },
        ],
      }),
    );
    // ack_wait 1.5 s (test only; 10 s in production; short enough to be outlived, long enough for a
    // loaded CI machine's event loop): recovery far away, so each run gets one message.
    for (let i = 0; i < 2; i++) executors.push(await env.startExecutor({ ackWaitMs: 1500, recoveryIntervalMs: 600_000, onWorkDelivered }));
  });

  afterAll(async () => {
    await env?.close();
  });

  it('keeps the message of a run longer than ack_wait with one replica, without redelivery', async () => {
    // Given two replicas sharing the work queue with a 1.5 s ack_wait
    // When a run of 16 steps of ~200 ms each (well over ack_wait) is created
    const started = Date.now();
    await env.createRun('default', 'long-1', 'many-steps', {});
    const run = await env.waitForPhase('default', 'long-1', ['Succeeded', 'Failed'], 30_000);
    // Then it succeeds, and it did outlive ack_wait
    expect(run.status?.phase).toBe('Succeeded');
    expect(Date.now() - started).toBeGreaterThan(3000);
    // And its single work message was delivered once: never handed to the other replica
    expect(deliveriesOf('long-1')).toEqual([1]);
    // And every step was started once, all by the same replica
    const starts = (await env.runEvents(run)).filter((event) => event.type === 'StepStarted');
    expect(starts).toHaveLength(16);
    expect(new Set(starts.map((event) => event.data.replica)).size).toBe(1);
  });

  it('acks a second message for a run it is advancing and looks at the run again before letting it go', async () => {
    // Given one replica (a message that reaches another replica while this one holds the run is
    // re-queued with a delay by design) and a run whose steps are running
    await executors[1].stop();
    await env.createRun('default', 'resume-early', 'slow-then-approve', {});
    await waitFor(() => deliveriesOf('resume-early').length >= 1);
    // When the resume payload is patched in before the run even suspends (its message comes while it is held)
    await env.store.patch(runKey('default', 'resume-early'), (run) => ({ ...run!, spec: { ...run!.spec, resume: { approve: { approved: true } } } }), userCtx);
    // And more messages for it are queued meanwhile
    for (let i = 0; i < 3; i++) await publishWork(env.nc, env.prefix, runKey('default', 'resume-early'));
    // Then the run suspends and resumes within the same hold, and succeeds with the payload
    const run = await env.waitForPhase('default', 'resume-early', ['Succeeded', 'Failed'], 15_000);
    expect(run.status?.phase).toBe('Succeeded');
    expect(run.status?.output).toEqual({ approved: true });
    const types = (await env.runEvents(run)).map((event) => event.type);
    expect(types.slice(-4)).toEqual(['RunSuspended', 'RunResumed', 'StepSucceeded', 'RunSucceeded']);
    // And no message was naked back and redelivered: each was delivered once
    const counts = deliveriesOf('resume-early');
    expect(counts.length).toBeGreaterThanOrEqual(2);
    expect(counts.every((count) => count === 1)).toBe(true);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
