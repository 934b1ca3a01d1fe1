import { retryDelayMs, sleep } from './retry-backoff';

const options = { baseMs: 200, maxMs: 5000 };

describe('retryDelayMs', () => {
  it('given full jitter, then the delay is random * min(max, base * 2^(attempt-1))', () => {
    expect(retryDelayMs(1, options, () => 1)).toBe(200);
    expect(retryDelayMs(2, options, () => 1)).toBe(400);
    expect(retryDelayMs(3, options, () => 0.5)).toBe(400);
    expect(retryDelayMs(4, options, () => 0.25)).toBe(400);
    expect(retryDelayMs(1, options, () => 0)).toBe(0);
  });

  it('given many attempts, then the ceiling is capped at maxMs', () => {
    expect(retryDelayMs(10, options, () => 1)).toBe(5000);
    expect(retryDelayMs(60, options, () => 0.999)).toBe(4995);
  });

  it('given a Retry-After, then the delay is never shorter than it, but jitter above it is kept', () => {
    expect(retryDelayMs(1, { ...options, retryAfterMs: 1000 }, () => 0)).toBe(1000);
    expect(retryDelayMs(5, { ...options, retryAfterMs: 1000 }, () => 1)).toBe(3200);
    // Retry-After longer than the cap wins over the cap
    expect(retryDelayMs(10, { ...options, retryAfterMs: 7000 }, () => 1)).toBe(7000);
  });

  it('given real randomness, then delays stay within [0, ceiling] and are not all equal', () => {
    const delays = Array.from({ length: 200 }, () => retryDelayMs(3, options));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });

  it('given attempt 0 or a negative attempt (bad input), then it behaves like the first retry', () => {
    expect(retryDelayMs(0, options, () => 1)).toBe(200);
    expect(retryDelayMs(-3, options, () => 1)).toBe(200);
  });
});

describe('sleep', () => {
  it('given an abort during the wait, then it rejects with the reason at once', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('given an already aborted signal, then it rejects without waiting; 0 ms resolves at once', async () => {
    await expect(sleep(50, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    await expect(sleep(0)).resolves.toBeUndefined();
  });
});
