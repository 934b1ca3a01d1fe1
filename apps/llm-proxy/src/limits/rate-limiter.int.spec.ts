import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { eventually } from '@kastra/testing';
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

  /** Counts the commands the limiter's connection sends (each is one round trip here: nothing is pipelined). */
  function commandsSent(): { count: number; stop(): void } {
    const original = redis.sendCommand.bind(redis);
    const counter = { count: 0, stop: () => void (redis.sendCommand = original) };
    redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
      counter.count++;
      return original(...args);
    }) as Redis['sendCommand'];
    return counter;
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

  it('given a user group and a model group, when the user limit refuses, then nothing is charged, the model not at all', async () => {
    // Given ann's RPM of 1 already used
    const rpm = (scope: string, limit: number): LimitCharge => ({ scope, metric: 'rpm', limit, amount: 1 });
    await granted([rpm('user:ann-u', 1)]);
    // When her call reserves her charges and the model's in turn
    const result = await limiter.reserveInTurn([[rpm('user:ann-u', 1), tpm(100, 1000, 'user:ann-u')], [rpm('model:u1', 10), tpm(100, 1000, 'model:u1')]]);
    // Then the user's limit refused it, and neither the user's tokens nor the model were charged
    expect(result).toEqual({ reservations: [], refused: { group: 0, charge: expect.objectContaining({ scope: 'user:ann-u', metric: 'rpm' }), retryAfterMs: expect.any(Number) } });
    expect(await limiter.currentUsage('user:ann-u', 'rpm')).toBe(1);
    expect(await limiter.currentUsage('user:ann-u', 'tpm')).toBe(0);
    expect(await limiter.currentUsage('model:u1', 'rpm')).toBe(0);
    expect(await limiter.currentUsage('model:u1', 'tpm')).toBe(0);
  });

  it('given a user group and a model group, when the model limit refuses, then the user group stays reserved (as if reserved first) and settling it gives its tokens back', async () => {
    // Given a model whose 1000 tokens are taken
    await granted([tpm(1000, 1000, 'model:u2')]);
    // When bob's call reserves his charges and the model's in turn
    const result = await limiter.reserveInTurn([[{ scope: 'user:bob-u', metric: 'rpm', limit: 10, amount: 1 }, tpm(300, 5000, 'user:bob-u')], [tpm(300, 1000, 'model:u2')]]);
    // Then the model refused it; bob's group was granted and is returned to be settled
    expect(result.refused).toMatchObject({ group: 1, charge: { scope: 'model:u2', metric: 'tpm' } });
    expect(result.reservations).toHaveLength(1);
    expect(result.reservations[0].charges.map((c) => `${c.scope}:${c.metric}`)).toEqual(['user:bob-u:rpm', 'user:bob-u:tpm']);
    expect(await limiter.currentUsage('user:bob-u', 'tpm')).toBe(300);
    expect(await limiter.currentUsage('model:u2', 'tpm')).toBe(1000);
    // When the refused call settles with no tokens used
    await limiter.settle(result.reservations, 0);
    // Then bob's tokens are back; his request still counts
    expect(await limiter.currentUsage('user:bob-u', 'tpm')).toBe(0);
    expect(await limiter.currentUsage('user:bob-u', 'rpm')).toBe(1);
  });

  it('given both groups with room, then both are charged in one round trip and settled together in one more', async () => {
    const sent = commandsSent();
    try {
      // When a call reserves its user and model charges in turn
      const result = await limiter.reserveInTurn([[tpm(400, 5000, 'user:cy-u')], [tpm(400, 5000, 'model:u3'), { scope: 'model:u3', metric: 'rpm', limit: 5, amount: 1 }]]);
      expect(result.refused).toBeUndefined();
      expect(sent.count).toBe(1);
      // And settles both reservations with its real usage
      await limiter.settle(result.reservations, 150);
      expect(sent.count).toBe(2);
    } finally {
      sent.stop();
    }
    // Then both windows hold the real usage, and the RPM its request
    expect(await limiter.currentUsage('user:cy-u', 'tpm')).toBe(150);
    expect(await limiter.currentUsage('model:u3', 'tpm')).toBe(150);
    expect(await limiter.currentUsage('model:u3', 'rpm')).toBe(1);
  });

  it('given two groups charging the same window, then the second sees what the first charged', async () => {
    // When two groups each want 600 of the same 1000 tokens
    const result = await limiter.reserveInTurn([[tpm(600, 1000, 'model:u7')], [tpm(600, 1000, 'model:u7')]]);
    // Then the first is granted and the second refused: the window holds 600, not 1200
    expect(result.refused).toMatchObject({ group: 1, charge: { scope: 'model:u7' } });
    expect(await limiter.currentUsage('model:u7', 'tpm')).toBe(600);
    // And a charged window expires by itself: two minutes after its first charge at most
    const ttl = await redis.pttl(result.reservations[0].charges[0].windowKey);
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('given a reservation whose window has expired, when settled, then the window is not brought back (no key without expiry)', async () => {
    const reservation = await granted([tpm(200, 1000, 'model:u4')]);
    // Given the window's key gone, as Redis expires it two minutes after its last charge
    await redis.del(reservation.charges[0].windowKey);
    // When the call settles, more or less than it reserved
    await limiter.settle(reservation, 500);
    await limiter.settle(reservation, 0);
    // Then there is still no such key
    expect(await redis.exists(reservation.charges[0].windowKey)).toBe(0);
  });

  it('given three replicas (connections) reserving at once, then no limit is ever exceeded and every refusal charged nothing of its group', async () => {
    // Given a user allowed 40 requests a minute calling a model allowed 25
    const replicas = [0, 1, 2].map(() => new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 }));
    const rpm = (scope: string, limit: number): LimitCharge => ({ scope, metric: 'rpm', limit, amount: 1 });
    try {
      const limiters = replicas.map((replica) => new RateLimiter(replica, prefix, () => now));
      // When 60 calls reserve at the same time, spread over the replicas
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => limiters[i % 3].reserveInTurn([[rpm('user:dee-u', 40)], [rpm('model:u5', 25)]])));
      // Then exactly 25 got through, 15 were refused by the model and 20 by the user
      expect(results.filter((r) => !r.refused)).toHaveLength(25);
      expect(results.filter((r) => r.refused?.group === 1)).toHaveLength(15);
      expect(results.filter((r) => r.refused?.group === 0)).toHaveLength(20);
      // And the windows hold exactly what was granted: each user-granted call once, each model-granted once
      expect(await limiter.currentUsage('user:dee-u', 'rpm')).toBe(40);
      expect(await limiter.currentUsage('model:u5', 'rpm')).toBe(25);
    } finally {
      for (const replica of replicas) replica.disconnect();
    }
  });

  it('sends each script once per connection: every later call is an EVALSHA, not the script again', async () => {
    // Given a new connection (a replica that has just started), watched with MONITOR
    const fresh = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const monitor = await redis.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((arg) => arg.startsWith(`${prefix}:llm:rl:model:u6`))) seen.push(args[0].toLowerCase());
    });
    try {
      const fromFresh = new RateLimiter(fresh, prefix, () => now);
      // When it reserves and settles three calls
      for (let i = 0; i < 3; i++) {
        const result = await fromFresh.reserveInTurn([[tpm(10, 1000, 'model:u6')]]);
        await fromFresh.settle(result.reservations, 5);
      }
      // Then Redis received the scripts once each, then only their SHA1s
      await eventually(async () => seen.length === 6, 5000, 20);
      expect(seen).toEqual(['eval', 'eval', 'evalsha', 'evalsha', 'evalsha', 'evalsha']);
    } finally {
      monitor.disconnect();
      fresh.disconnect();
    }
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
