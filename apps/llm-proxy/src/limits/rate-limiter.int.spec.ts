import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiter, type LimitCharge, type Reservation } from './rate-limiter';

/** Token budget arithmetic against the real Redis scripts, on a clock the test moves. */
describe('RateLimiter token budgets (Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `rltest-${randomBytes(4).toString('hex')}`;
  // 10 s into a minute window
  let now = 1_700_000_040_000 - (1_700_000_040_000 % 60_000) + 10_000;
  const limiter = new RateLimiter(redis, prefix, () => now);
  const tpm = (amount: number, limit = 1000, scope = 'model:m1'): LimitCharge => ({ scope, metric: 'tpm', limit, amount });

  async function granted(charges: LimitCharge[]): Promise<Reservation> {
    const result = await limiter.reserve(charges);
    if (!result.granted) throw new Error(`refused: ${JSON.stringify(result)}`);
    return result.reservation;
  }

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('given reservations that fill the budget, when one settles below its reservation, then the difference is given back to others', async () => {
    const first = await granted([tpm(300)]);
    await granted([tpm(300)]);
    await granted([tpm(300)]);
    // 900 reserved: a fourth 300 does not fit
    expect((await limiter.reserve([tpm(300)])).granted).toBe(false);
    // The first call used 100 of its 300
    await limiter.settle(first, 100);
    expect(await limiter.currentUsage('model:m1', 'tpm')).toBe(700);
    await granted([tpm(300)]);
    expect(await limiter.currentUsage('model:m1', 'tpm')).toBe(1000);
  });

  it('given a call that used more than it reserved, when settled, then the window is charged the real usage (and may exceed the limit)', async () => {
    const reservation = await granted([tpm(200, 1000, 'model:m2')]);
    await limiter.settle(reservation, 1200);
    expect(await limiter.currentUsage('model:m2', 'tpm')).toBe(1200);
    const refused = await limiter.reserve([tpm(1, 1000, 'model:m2')]);
    expect(refused.granted).toBe(false);
  });

  it('given a failed call (0 tokens used), when settled, then its whole reservation is returned; never below zero', async () => {
    const reservation = await granted([tpm(500, 1000, 'model:m3')]);
    await limiter.settle(reservation, 0);
    expect(await limiter.currentUsage('model:m3', 'tpm')).toBe(0);
    // Settling the same reservation twice (a bug elsewhere) cannot make the window negative
    await limiter.settle(reservation, 0);
    expect(await limiter.currentUsage('model:m3', 'tpm')).toBe(0);
  });

  it('given RPM and TPM charges in one reservation, when settled, then only TPM changes', async () => {
    const reservation = await granted([{ scope: 'user:ann', metric: 'rpm', limit: 10, amount: 1 }, tpm(400, 1000, 'user:ann')]);
    await limiter.settle(reservation, 150);
    expect(await limiter.currentUsage('user:ann', 'rpm')).toBe(1);
    expect(await limiter.currentUsage('user:ann', 'tpm')).toBe(150);
  });

  it('given a call that ends in the next minute, when settled, then the correction goes to the window it was reserved in', async () => {
    const reservation = await granted([tpm(600, 1000, 'model:m4')]);
    now += 60_000;
    await limiter.settle(reservation, 100);
    expect(await limiter.currentUsage('model:m4', 'tpm')).toBe(0);
    now -= 60_000;
    expect(await limiter.currentUsage('model:m4', 'tpm')).toBe(100);
  });

  it('given a request larger than the whole limit, then it is refused with a minute to wait; a refused charge takes nothing', async () => {
    const result = await limiter.reserve([tpm(100, 1000, 'model:m5'), tpm(5000, 1000, 'model:m6')]);
    expect(result).toMatchObject({ granted: false, charge: { scope: 'model:m6' }, retryAfterMs: 60_000 });
    // All or nothing: the first limit was not charged either
    expect(await limiter.currentUsage('model:m5', 'tpm')).toBe(0);
  });

  it('given a full previous window, then the sliding weight counts it and Retry-After says when enough of it has slid out', async () => {
    const scope = 'model:m7';
    await granted([tpm(1000, 1000, scope)]);
    // Next window, 10 s in: 5/6 of the previous 1000 still count
    now += 60_000;
    const refused = await limiter.reserve([tpm(300, 1000, scope)]);
    expect(refused.granted).toBe(false);
    // used = floor(1000 * 50/60) = 833; 833 + 300 - 1000 = 133 too many; 133 of 1000 slide out in 7980 ms
    expect(refused.granted === false && refused.retryAfterMs).toBe(7980);
    now += 7980;
    expect((await limiter.reserve([tpm(300, 1000, scope)])).granted).toBe(true);
  });
});
