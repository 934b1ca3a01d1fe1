import type { Resource } from '@kastra/api';
import { eventually } from '@kastra/testing';
import type { Assessment } from './assessment';
import { defaultReconcilers } from './controller-manager';
import type { KindReconciler } from './kind-reconciler';
import { ControllerTestEnvironment, resource, userCtx } from './test/controller-test-environment';

/** Wraps the real reconcilers, counting reconciles per key at once across every instance. */
class ConcurrencyProbe {
  readonly running = new Map<string, number>();
  readonly byInstance = new Map<string, number>();
  maxPerKey = 0;

  wrap(instance: string, reconcilers: KindReconciler[]): KindReconciler[] {
    return reconcilers.map((inner) => ({
      kind: inner.kind,
      reconcile: async (object: Resource, ctx): Promise<Assessment> => {
        const key = `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`;
        const now = (this.running.get(key) ?? 0) + 1;
        this.running.set(key, now);
        this.maxPerKey = Math.max(this.maxPerKey, now);
        this.byInstance.set(instance, (this.byInstance.get(instance) ?? 0) + 1);
        try {
          // Slow enough that both instances try the same keys while one holds them.
          await new Promise((resolve) => setTimeout(resolve, 25));
          return await inner.reconcile(object, ctx);
        } finally {
          this.running.set(key, this.running.get(key)! - 1);
        }
      },
    }));
  }
}

describe('controller-manager replicas on one database', () => {
  let env: ControllerTestEnvironment;
  const probe = new ConcurrencyProbe();

  beforeAll(async () => {
    env = await ControllerTestEnvironment.create('cmreplicas');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('share the work and never reconcile one key at the same time', async () => {
    // Given two controller instances sharing the database and the durable consumer
    const [one, two] = await Promise.all(
      ['one', 'two'].map((name) =>
        env.startManager({ reconcilers: probe.wrap(name, defaultReconcilers(env.store, {})), lockedRetryMs: () => 20 }),
      ),
    );
    // When many resources are applied
    for (let i = 0; i < 8; i++) {
      await env.store.create(resource('LLM', 'shared', `llm-${i}`, { provider: 'mock', model: 'mock-1' }), userCtx);
      await env.store.create(resource('Agent', 'shared', `agent-${i}`, { instructions: 'x', model: { ref: `llm-${i}` } }), userCtx);
    }
    // And both resync at once, so both queue every key
    await Promise.all([one.resync(), two.resync()]);
    // Then every agent becomes Ready
    await eventually(async () => {
      const { items } = await env.store.list({ kind: 'Agent', namespace: 'shared' });
      return items.length === 8 && items.every((item) => item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 30_000);
    // And both instances did part of the work, never the same key at once
    expect(probe.byInstance.get('one')).toBeGreaterThan(0);
    expect(probe.byInstance.get('two')).toBeGreaterThan(0);
    expect(probe.maxPerKey).toBe(1);
  });
});
