import type { Resource } from '@kastra/api';
import type { RecordedEvent } from '@kastra/event-store';
import type { Assessment } from './assessment';
import type { KindReconciler } from './kind-reconciler';
import { reconcileRequestsFor } from './reconcile-requests';
import { ResourceReconciler } from './resource-reconciler';
import { InMemoryResourceStore } from './test/in-memory-resource-store';

const ctx = { actor: 'system:controller-manager' };
const agentKey = { kind: 'Agent', namespace: 'default', name: 'a' };

function agent(extra: Partial<Resource['metadata']> = {}): Resource {
  return { apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'a', namespace: 'default', ...extra }, spec: { instructions: 'x' } };
}

/** A reconciler whose verdict the test sets. */
function scripted(kind: string, assessment: () => Assessment): KindReconciler {
  return { kind, reconcile: async () => assessment() };
}

describe('ResourceReconciler', () => {
  it('writes status once, keeps lastTransitionTime while Ready holds, and skips writes that change nothing', async () => {
    // Given an Agent whose reconciler finds a problem
    const store = new InMemoryResourceStore();
    store.put(agent());
    let verdict: Assessment = { problems: [{ reason: 'ReferenceNotFound', message: 'LLM "default/m" not found', unresolvedReference: true }], readyMessage: 'ok' };
    const reconciler = new ResourceReconciler(store, [scripted('Agent', () => verdict)], ctx);
    // When reconciled twice
    await reconciler.reconcile(agentKey);
    await reconciler.reconcile(agentKey);
    // Then the status was written once
    expect(store.statusWrites).toBe(1);
    const first = (await store.get(agentKey))!.status!;
    expect(first).toMatchObject({ phase: 'NotReady', observedGeneration: 1 });
    const since = first.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime;

    // When only the message changes, the transition time stays
    verdict = { problems: [{ reason: 'ReferenceNotFound', message: 'LLM "default/other" not found', unresolvedReference: true }], readyMessage: 'ok' };
    await new Promise((resolve) => setTimeout(resolve, 5));
    await reconciler.reconcile(agentKey);
    const second = (await store.get(agentKey))!.status!;
    expect(second.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ message: 'LLM "default/other" not found', lastTransitionTime: since });

    // When it becomes Ready, both conditions turn True
    verdict = { problems: [], readyMessage: 'all good' };
    await reconciler.reconcile(agentKey);
    const ready = (await store.get(agentKey))!.status!;
    expect(ready.phase).toBe('Ready');
    expect(ready.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['ReferencesResolved', 'True', 'ReferencesResolved'],
      ['Ready', 'True', 'Ready'],
    ]);
    expect(store.statusWrites).toBe(3);
  });

  it('asks for a re-check when a problem needs polling, and marks terminal problems Failed', async () => {
    const store = new InMemoryResourceStore();
    store.put(agent());
    const reconciler = new ResourceReconciler(
      store,
      [scripted('Agent', () => ({ problems: [{ reason: 'InvalidScript', message: 'x', terminal: true }, { reason: 'Unreachable', message: 'y', recheckAfterMs: 30_000 }], readyMessage: '' }))],
      ctx,
    );
    expect(await reconciler.reconcile(agentKey)).toEqual({ requeueAfterMs: 30_000 });
    expect((await store.get(agentKey))!.status).toMatchObject({ phase: 'Failed' });
  });

  it('requeues at once, without backoff, when the status write conflicts', async () => {
    const store = new InMemoryResourceStore();
    store.put(agent());
    const reconciler = new ResourceReconciler(
      store,
      [
        scripted('Agent', () => {
          // Someone else writes while the reconciler works.
          store.put(agent({ labels: { changed: 'yes' } }));
          return { problems: [], readyMessage: 'ok' };
        }),
      ],
      ctx,
    );
    expect(await reconciler.reconcile(agentKey)).toEqual({ requeueAfterMs: 0, keepBackoff: true });
    expect(store.statusWrites).toBe(0);
  });

  it('garbage-collects an object whose owner is gone or was re-created with another uid', async () => {
    const store = new InMemoryResourceStore();
    const owner = { apiVersion: 'mastra.ai/v1', kind: 'System', name: 's', uid: 'old-uid', controller: true, blockOwnerDeletion: true };
    store.put(agent({ ownerReferences: [owner] }));
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's', namespace: 'default', uid: 'new-uid' }, spec: {} });
    const reconciler = new ResourceReconciler(store, [scripted('Agent', () => ({ problems: [], readyMessage: 'ok' }))], ctx);
    await reconciler.reconcile(agentKey);
    expect(await store.get(agentKey)).toBeUndefined();
  });

  it('keeps an object whose owner exists', async () => {
    const store = new InMemoryResourceStore();
    const system = store.put({ apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's', namespace: 'default' }, spec: {} });
    const owner = { apiVersion: 'mastra.ai/v1', kind: 'System', name: 's', uid: system.metadata.uid!, controller: true };
    store.put(agent({ ownerReferences: [owner] }));
    await new ResourceReconciler(store, [scripted('Agent', () => ({ problems: [], readyMessage: 'ok' }))], ctx).reconcile(agentKey);
    expect(await store.get(agentKey)).toBeDefined();
  });
});

describe('reconcileRequestsFor', () => {
  function event(type: string, object: Resource): RecordedEvent {
    const key = `${object.kind}:${object.metadata.namespace}:${object.metadata.name}`;
    return {
      eventId: 'e1', streamId: `resource:${key}`, streamVersion: 1, globalPosition: '1', transactionId: '1',
      category: 'resource', type, data: { object }, metadata: {}, createdAt: new Date().toISOString(),
    };
  }
  const llm: Resource = { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'm', namespace: 'default', uid: 'llm-uid' }, spec: {} };

  it('maps an event to the object, its referrers and its controller owner; not the object on its own status write', async () => {
    const store = new InMemoryResourceStore();
    store.referrersOf.set('LLM/default/m', [agentKey]);
    const owned = { ...llm, metadata: { ...llm.metadata, ownerReferences: [{ apiVersion: 'mastra.ai/v1', kind: 'System', name: 's', uid: 'u', controller: true }] } };
    expect(await reconcileRequestsFor(event('ResourceUpdated', owned), store)).toEqual([
      { kind: 'LLM', namespace: 'default', name: 'm' },
      agentKey,
      { kind: 'System', namespace: 'default', name: 's' },
    ]);
    expect(await reconcileRequestsFor(event('ResourceStatusUpdated', llm), store)).toEqual([agentKey]);
  });

  it('adds the owned objects on deletion and ignores streams that are not resources', async () => {
    const store = new InMemoryResourceStore();
    store.put(agent({ ownerReferences: [{ apiVersion: 'mastra.ai/v1', kind: 'LLM', name: 'm', uid: 'llm-uid' }] }));
    expect(await reconcileRequestsFor(event('ResourceDeleted', llm), store)).toEqual([agentKey]);
    expect(await reconcileRequestsFor({ ...event('RunStarted', llm), streamId: 'run:abc' }, store)).toEqual([]);
  });
});

describe('ResourceReconciler finalizers', () => {
  it("removes Kastra's cleanup finalizer from an object being deleted, and leaves others' finalizers", async () => {
    const store = new InMemoryResourceStore();
    store.put(agent({ deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['mastra.ai/cleanup', 'example.com/keep'] }));
    const reconciler = new ResourceReconciler(store, [scripted('Agent', () => ({ problems: [], readyMessage: 'ok' }))], ctx);
    await reconciler.reconcile(agentKey);
    const current = await store.get(agentKey);
    expect(current?.metadata.finalizers).toEqual(['example.com/keep']);
    // And no status is written for an object on its way out
    expect(store.statusWrites).toBe(0);
  });
});
