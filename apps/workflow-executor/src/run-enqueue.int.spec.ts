import type { ResourceKey } from '@kastra/api';
import { publishRunCreated, workflowRunWorkQueue } from '@kastra/run-engine';
import { ExecutorTestEnvironment, resource } from './test/executor-test-environment';

jest.setTimeout(60_000);

/**
 * A run's creator may enqueue it right after the create commits (the gateway's execute does):
 * the resource-event path publishes the same creation with the same message id, so the run gets
 * one work message, not two. And the engine says on core NATS when an advance ended with the
 * run's status written, for a waiter to read it without waiting for the log's watch.
 */
describe('enqueueing a run at its creation', () => {
  let env: ExecutorTestEnvironment;
  const deliveries: Array<{ run: string; count: number }> = [];
  const onWorkDelivered = (run: ResourceKey, count: number) => deliveries.push({ run: run.name, count });

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('wfenqueue');
    await env.apply(
      resource('Tool', 'default', 'clock', { builtin: 'current-time', description: 'now' }),
      resource('Workflow', 'default', 'two-clocks', { steps: [{ id: 'a', tool: 'clock', input: {} }, { id: 'b', tool: 'clock', input: {} }] }),
    );
    await env.startExecutor({ recoveryIntervalMs: 600_000, onWorkDelivered });
  });

  afterAll(async () => {
    await env?.close();
  });

  it('delivers one work message for a run enqueued by its creator and by the resource-event path', async () => {
    // Given a run created and enqueued at once by its creator, with the id of its creation
    const created = await env.createRun('default', 'early-1', 'two-clocks', {});
    await publishRunCreated(env.nc, workflowRunWorkQueue(env.prefix), created);
    // When it has run, and the resource-event path has had time to enqueue its creation too
    const run = await env.waitForPhase('default', 'early-1', ['Succeeded', 'Failed'], 20_000);
    expect(run.status?.phase).toBe('Succeeded');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Then the executor got one message for it, once: the second publish was dropped as a duplicate
    expect(deliveries.filter((d) => d.run === 'early-1').map((d) => d.count)).toEqual([1]);
  });

  it('says when an advance ended, with the status already written', async () => {
    // Given a listener on the engine's advanced subject
    const subject = workflowRunWorkQueue(env.prefix).advancedSubject!;
    const phases: string[] = [];
    const heard = new Promise<void>((resolve) => {
      const sub = env.nc.subscribe(subject, {
        callback: (_error, message) => {
          const key = JSON.parse(new TextDecoder().decode(message.data)) as { namespace: string; name: string };
          if (key.name !== 'told-1') return;
          sub.unsubscribe();
          // What a waiter reads on hearing it
          void env.store.get({ kind: 'WorkflowRun', namespace: key.namespace, name: key.name }).then((current) => {
            phases.push(String(current?.status?.phase));
            resolve();
          });
        },
      });
    });
    // When a run is created and runs to its end
    await env.createRun('default', 'told-1', 'two-clocks', {});
    await heard;
    // Then its ended status was there to read when the engine said so
    expect(phases).toEqual(['Succeeded']);
  });
});
