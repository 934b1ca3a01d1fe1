import { RestartPolicy } from './restart-policy';

describe('RestartPolicy', () => {
  it('doubles the delay from 1 s up to 30 s for a crash loop', () => {
    const policy = new RestartPolicy();
    const delays = Array.from({ length: 8 }, () => policy.delayAfterExit(200));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('starts again from 1 s after a child stayed up for 60 s', () => {
    const policy = new RestartPolicy();
    policy.delayAfterExit(100);
    policy.delayAfterExit(100);
    expect(policy.delayAfterExit(60_000)).toBe(1000);
    expect(policy.delayAfterExit(100)).toBe(2000);
  });

  it('rejects nonsensical options', () => {
    expect(() => new RestartPolicy({ initialDelayMs: 0 })).toThrow(/initialDelayMs/);
    expect(() => new RestartPolicy({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(/maxDelayMs/);
  });
});
