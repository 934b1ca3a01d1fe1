import type { Redis } from 'ioredis';

/** One limit to charge: a scope (user:<sub>, model:<id>), a metric and its per-minute allowance. */
export interface LimitCharge {
  scope: string;
  metric: 'rpm' | 'tpm';
  limit: number;
  /** Requests (1) or reserved tokens. */
  amount: number;
}

/** What was charged, so it can be settled (TPM) after the call. */
export interface Reservation {
  charges: Array<LimitCharge & { windowKey: string }>;
}

export type ReserveResult =
  | { granted: true; reservation: Reservation }
  | { granted: false; charge: LimitCharge; retryAfterMs: number };

const WINDOW_MS = 60_000;

/**
 * Checks every limit, then charges all of them, in one atomic script: concurrent requests on
 * any replica cannot both see room that only one of them fits in. Sliding window over two
 * fixed minute windows (the previous one weighted by how much of it still overlaps).
 * Returns {0} when granted, or {index (1-based), retryAfterMs} of the first limit hit.
 */
const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = now % window
local weight = (window - elapsed) / window
local n = #KEYS / 2
for i = 1, n do
  local curr = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local limit = tonumber(ARGV[1 + 2 * i])
  local amount = tonumber(ARGV[2 + 2 * i])
  local used = math.floor(prev * weight) + curr
  if used + amount > limit then
    if amount > limit then return {i, -1} end
    local excess = used + amount - limit
    local wait
    if prev * weight >= excess and prev > 0 then
      wait = math.ceil(excess * window / prev)
    else
      local rest = window - elapsed
      local after = 0
      if curr > 0 then after = math.ceil(window * (1 - (limit - amount) / curr)) end
      if after < 0 then after = 0 end
      wait = rest + after
    end
    return {i, math.max(wait, 1)}
  end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[2 * i - 1], tonumber(ARGV[2 + 2 * i]))
  redis.call('PEXPIRE', KEYS[2 * i - 1], window * 2)
end
return {0, 0}
`;

/** Adds a (possibly negative) correction to a window, never below zero. */
const SETTLE_SCRIPT = `
local v = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
if v < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
return v
`;

/**
 * RPM and TPM limits shared by every replica through Redis. Token budgets are reserved before a
 * call (prompt estimate + max tokens) and settled with the real usage after it.
 */
export class RateLimiter {
  constructor(private readonly redis: Redis, private readonly keyPrefix: string, private readonly now: () => number = Date.now) {}

  async reserve(charges: LimitCharge[]): Promise<ReserveResult> {
    const active = charges.filter((c) => Number.isFinite(c.limit) && c.limit >= 0);
    if (active.length === 0) return { granted: true, reservation: { charges: [] } };
    const now = this.now();
    const index = Math.floor(now / WINDOW_MS);
    const keys: string[] = [];
    const args: Array<string | number> = [now, WINDOW_MS];
    const windowKeys: string[] = [];
    for (const charge of active) {
      const base = `${this.keyPrefix}:llm:rl:${charge.scope}:${charge.metric}`;
      windowKeys.push(`${base}:${index}`);
      keys.push(`${base}:${index}`, `${base}:${index - 1}`);
      args.push(charge.limit, charge.amount);
    }
    const [hit, retryAfterMs] = (await this.redis.eval(RESERVE_SCRIPT, keys.length, ...keys, ...args)) as [number, number];
    if (hit === 0) {
      return { granted: true, reservation: { charges: active.map((c, i) => ({ ...c, windowKey: windowKeys[i] })) } };
    }
    // -1: the request alone is larger than the limit; waiting a minute will not help.
    return { granted: false, charge: active[hit - 1], retryAfterMs: retryAfterMs < 0 ? WINDOW_MS : retryAfterMs };
  }

  /** Replaces the reserved tokens by the tokens actually used (RPM charges stay). */
  async settle(reservation: Reservation, usedTokens: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    let commands = 0;
    for (const charge of reservation.charges) {
      if (charge.metric !== 'tpm' || usedTokens === charge.amount) continue;
      pipeline.eval(SETTLE_SCRIPT, 1, charge.windowKey, usedTokens - charge.amount);
      commands++;
    }
    if (commands > 0) await pipeline.exec();
  }

  /** Tokens and requests charged in the current window of one scope (tests, diagnostics). */
  async currentUsage(scope: string, metric: 'rpm' | 'tpm'): Promise<number> {
    const index = Math.floor(this.now() / WINDOW_MS);
    return Number((await this.redis.get(`${this.keyPrefix}:llm:rl:${scope}:${metric}:${index}`)) ?? 0);
  }
}
