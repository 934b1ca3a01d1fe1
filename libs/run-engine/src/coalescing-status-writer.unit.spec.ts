import type { Resource, ResourceKey, ResourceStatus } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import { CoalescingStatusWriter } from './coalescing-status-writer';

const key: ResourceKey = { kind: 'WorkflowRun', namespace: 'default', name: 'r' };
const run: Resource = { apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'r', namespace: 'default' }, spec: {}, status: { phase: 'Pending' } };

/** A store whose status writes wait until released, recording what they wrote. */
function slowStore() {
  const written: ResourceStatus[] = [];
  const releases: Array<() => void> = [];
  const store = {
    updateStatus: (_key: ResourceKey, status: ResourceStatus) =>
      new Promise<Resource>((resolve) => {
        written.push(status);
        releases.push(() => resolve({ ...run, status }));
      }),
  } as unknown as ResourceStore;
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { store, written, releaseAll };
}

describe('the coalescing status writer of a run', () => {
  it('writes the first state at once and only the latest of those offered while it wrote', async () => {
    // Given a writer whose store is slow
    const { store, written, releaseAll } = slowStore();
    const writer = new CoalescingStatusWriter<number>(store, key, run, { actor: 'system:test' }, (step) => ({ phase: 'Running', steps: step }));
    // When states 1, 2, 3, 4 are offered while the first write is in flight
    writer.offer(1);
    await new Promise((resolve) => setImmediate(resolve));
    writer.offer(2);
    writer.offer(3);
    writer.offer(4);
    const flushed = writer.flush();
    await releaseAll();
    await flushed;
    // Then 1 and 4 were written, nothing in between
    expect(written.map((status) => status.steps)).toEqual([1, 4]);
  });

  it('writes nothing when the projection equals the stored status', async () => {
    const { store, written } = slowStore();
    const writer = new CoalescingStatusWriter<string>(store, key, run, { actor: 'system:test' }, (phase) => ({ phase }));
    writer.offer('Pending');
    await writer.flush();
    expect(written).toEqual([]);
  });

  it('reports a failed write at flush, once', async () => {
    const store = { updateStatus: async () => Promise.reject(new Error('conflict')) } as unknown as ResourceStore;
    const writer = new CoalescingStatusWriter<string>(store, key, run, { actor: 'system:test' }, (phase) => ({ phase }));
    writer.offer('Running');
    await expect(writer.flush()).rejects.toThrow('conflict');
    await expect(writer.flush()).resolves.toBeUndefined();
  });
});

describe('the coalescing status writer with a delay', () => {
  it('writes only the latest state offered within the delay, at once when flushed', async () => {
    // Given a writer that lets a state wait up to 10 s before writing it
    const { store, written, releaseAll } = slowStore();
    const writer = new CoalescingStatusWriter<number>(store, key, run, { actor: 'system:test' }, (step) => ({ phase: 'Running', steps: step }), { delayMs: 10_000 });
    // When states 1, 2, 3 are offered and the run's advance ends (flush)
    writer.offer(1);
    writer.offer(2);
    await new Promise((resolve) => setImmediate(resolve));
    writer.offer(3);
    expect(written).toEqual([]);
    const flushed = writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    await releaseAll();
    await flushed;
    // Then only the last one was written, without waiting out the delay
    expect(written.map((status) => status.steps)).toEqual([3]);
  });

  it('does not wait out the delay when flushed right after an offer', async () => {
    const { store, written } = slowStore();
    const writer = new CoalescingStatusWriter<number>(store, { ...key }, run, { actor: 'system:test' }, (step) => ({ phase: 'Running', steps: step }), { delayMs: 10_000 });
    writer.offer(7);
    const flushed = writer.flush();
    for (let i = 0; i < 5 && written.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(written.map((status) => status.steps)).toEqual([7]);
    void flushed;
  });

  it('writes a state once the delay has passed without a flush', async () => {
    const { store, written, releaseAll } = slowStore();
    const writer = new CoalescingStatusWriter<number>(store, key, run, { actor: 'system:test' }, (step) => ({ phase: 'Running', steps: step }), { delayMs: 20 });
    writer.offer(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(written.map((status) => status.steps)).toEqual([1]);
    await releaseAll();
    await writer.flush();
  });
});
