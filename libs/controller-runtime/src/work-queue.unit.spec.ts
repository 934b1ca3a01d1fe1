import { ReconcileLoop } from './reconcile-loop';
import { WorkQueue } from './work-queue';

describe('WorkQueue', () => {
  it('stores a waiting key once however often it is added', async () => {
    // Given a queue with one key added three times
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    // Then it holds two keys, in order
    expect(queue.depth).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
  });

  it('does not hand out a key being processed; one added meanwhile comes back after done', async () => {
    // Given a key being processed
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    // When it is added again before done
    queue.add('a');
    // Then it is not handed out yet
    expect(queue.depth).toBe(0);
    // And after done it is queued once more
    queue.done(key!);
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe('a');
  });

  it('backs off exponentially per key up to the maximum and resets on forget', () => {
    jest.useFakeTimers();
    try {
      const queue = new WorkQueue({ baseDelayMs: 200, factor: 2, maxDelayMs: 1000 });
      // When one key fails again and again
      const delays = [1, 2, 3, 4, 5].map(() => queue.addRateLimited('a'));
      // Then its delays grow and are capped, while another key starts at the base
      expect(delays).toEqual([200, 400, 800, 1000, 1000]);
      expect(queue.addRateLimited('b')).toBe(200);
      // And forget resets it
      queue.forget('a');
      expect(queue.addRateLimited('a')).toBe(200);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps the earliest of two delayed adds of one key', async () => {
    jest.useFakeTimers();
    try {
      const queue = new WorkQueue();
      queue.addAfter('a', 5000);
      queue.addAfter('a', 100);
      queue.addAfter('a', 3000);
      await jest.advanceTimersByTimeAsync(100);
      expect(queue.depth).toBe(1);
      await queue.get().then((key) => queue.done(key!));
      await jest.advanceTimersByTimeAsync(10_000);
      expect(queue.depth).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('resolves waiting gets with undefined on shutdown and ignores later adds', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    await expect(waiting).resolves.toBeUndefined();
    queue.add('a');
    expect(queue.depth).toBe(0);
  });
});

describe('ReconcileLoop', () => {
  afterEach(() => jest.useRealTimers());

  it('retries a failing reconcile with growing delays and resets after a success', async () => {
    jest.useFakeTimers();
    // Given a reconcile that fails four times, then succeeds
    const queue = new WorkQueue({ baseDelayMs: 200, factor: 2, maxDelayMs: 60_000 });
    const attempts: number[] = [];
    const start = Date.now();
    const loop = new ReconcileLoop({
      queue,
      concurrency: 1,
      process: async () => {
        attempts.push(Date.now() - start);
        if (attempts.length <= 4) throw new Error('LLM store unavailable');
        return {};
      },
    });
    loop.start();
    // When the key is added and time passes
    queue.add('Agent/default/a');
    await jest.advanceTimersByTimeAsync(10_000);
    // Then the attempts are spaced 200, 400, 800, 1600 ms apart
    expect(attempts).toEqual([0, 200, 600, 1400, 3000]);
    // And the success reset the backoff
    expect(queue.failureCount('Agent/default/a')).toBe(0);
    await loop.stop();
  });

  it('requeues after requeueAfterMs without counting a failure', async () => {
    jest.useFakeTimers();
    const queue = new WorkQueue();
    let calls = 0;
    const loop = new ReconcileLoop({ queue, concurrency: 1, process: async () => (++calls < 3 ? { requeueAfterMs: 30_000 } : {}) });
    loop.start();
    queue.add('LLM/default/a');
    await jest.advanceTimersByTimeAsync(29_000);
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(calls).toBe(3);
    await loop.stop();
  });

  it('never processes one key twice at once, and processes distinct keys in parallel up to the bound', async () => {
    // Given a slow reconcile and a bound of 2
    const queue = new WorkQueue();
    const running = new Map<string, number>();
    let maxSameKey = 0;
    let maxTotal = 0;
    let total = 0;
    const loop = new ReconcileLoop({
      queue,
      concurrency: 2,
      process: async (key) => {
        running.set(key, (running.get(key) ?? 0) + 1);
        total++;
        maxSameKey = Math.max(maxSameKey, running.get(key)!);
        maxTotal = Math.max(maxTotal, total);
        await new Promise((r) => setTimeout(r, 20));
        running.set(key, running.get(key)! - 1);
        total--;
        return {};
      },
    });
    loop.start();
    // When keys are added repeatedly while they run
    for (let i = 0; i < 5; i++) {
      for (const key of ['a', 'b', 'c']) queue.add(key);
      await new Promise((r) => setTimeout(r, 7));
    }
    await new Promise((r) => setTimeout(r, 200));
    await loop.stop();
    // Then one key never ran twice at once and at most 2 ran together
    expect(maxSameKey).toBe(1);
    expect(maxTotal).toBe(2);
  });
});
