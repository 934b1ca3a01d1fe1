import type { Redis } from 'ioredis';

/** One limit to charge: a scope (user:<sub>, model:<id>), a metric and its per-minute allowance. */
export interface LimitCharge {
  scope: string;
  metric: 'rpm' | 'tpm';
  limit: number;
  /** Requests (1) or reserved tokens. */
  amount: number;
}

/** A charge as reserved: the minute window it went into, where it is settled. */
export interface ReservedCharge extends LimitCharge {
  windowKey: string;
}

/** What was charged, so it can be settled (TPM) after the call. */
export interface Reservation {
  charges: ReservedCharge[];
}

export type ReserveResult =
  | { granted: true; reservation: Reservation }
  | { granted: false; charge: LimitCharge; retryAfterMs: number };

/** Groups of charges reserved in turn (see RateLimiter.reserveInTurn). */
export interface ReservationInTurn {
  /** One per group granted, in order: all of them when nothing was refused. */
  reservations: Reservation[];
  /** The group that was refused (0-based; nothing of it charged) and the limit that refused it. */
  refused?: { group: number; charge: LimitCharge; retryAfterMs: number };
}

const WINDOW_MS = 60_000;

/**
 * Reserves groups of charges in turn, atomically: a group is checked, then charged only when every
 * limit of it has room; a refused group stops the script and leaves the groups before it charged.
 * One group is "check all, charge all": concurrent requests on any replica cannot both see room
 * that only one of them fits in. Sliding window over two fixed minute windows (the previous one
 * weighted by how much of it still overlaps).
 * KEYS: per charge, its current and its previous window. ARGV: now, window, number of groups, the
 * size of each group, then per charge its limit and amount. All windows are read in one MGET; a
 * window's key expires two minutes after its first charge (it counts in its minute and the next).
 * Returns {0, 0, 0} when all are granted, else {group, charge in it (both 1-based), retryAfterMs}.
 */
const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local groups = tonumber(ARGV[3])
local elapsed = now % window
local weight = (window - elapsed) / window
local base = 3 + groups
local windows = redis.call('MGET', unpack(KEYS))
-- Windows charged by an earlier group, as they are now (a group may share a window with another).
local charged = {}
local first = 1
for g = 1, groups do
  local last = first + tonumber(ARGV[3 + g]) - 1
  for i = first, last do
    local curr = tonumber(charged[KEYS[2 * i - 1]] or windows[2 * i - 1] or '0')
    local prev = tonumber(windows[2 * i] or '0')
    local limit = tonumber(ARGV[base + 2 * i - 1])
    local amount = tonumber(ARGV[base + 2 * i])
    local used = math.floor(prev * weight) + curr
    if used + amount > limit then
      if amount > limit then return {g, i - first + 1, -1} end
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
      return {g, i - first + 1, math.max(wait, 1)}
    end
  end
  for i = first, last do
    local amount = tonumber(ARGV[base + 2 * i])
    local total = redis.call('INCRBY', KEYS[2 * i - 1], amount)
    charged[KEYS[2 * i - 1]] = total
    if total == amount then redis.call('PEXPIRE', KEYS[2 * i - 1], window * 2) end
  end
  first = last + 1
end
return {0, 0, 0}
`;

/**
 * Adds a (possibly negative) correction to each window, never below zero. A window whose key has
 * expired no longer counts: it is left gone (re-creating it would leave a key without expiry).
 * KEYS: the windows; ARGV: the correction of each.
 */
const SETTLE_SCRIPT = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local v = redis.call('INCRBY', KEYS[i], tonumber(ARGV[i]))
    if v < 0 then redis.call('SET', KEYS[i], 0, 'KEEPTTL') end
  end
end
return 0
`;

/** The scripts as ioredis commands (defineCommand): sent once per connection, then EVALSHA. */
interface LimitScripts {
  kastraLimitsReserve(args: Array<string | number>): Promise<[number, number, number]>;
  kastraLimitsSettle(args: Array<string | number>): Promise<number>;
}

/**
 * RPM and TPM limits shared by every replica through Redis. Token budgets are reserved before a
 * call (prompt estimate + max tokens) and settled with the real usage after it. Each reservation
 * and each settlement is one script call: one round trip, the script itself sent once.
 */
export class RateLimiter {
  private readonly scripts: LimitScripts;

  constructor(private readonly redis: Redis, private readonly keyPrefix: string, private readonly now: () => number = Date.now) {
    // Defining the same command again (another limiter on this client) replaces it with the same script.
    redis.defineCommand('kastraLimitsReserve', { lua: RESERVE_SCRIPT });
    redis.defineCommand('kastraLimitsSettle', { lua: SETTLE_SCRIPT });
    this.scripts = redis as unknown as LimitScripts;
  }

  /** Checks every limit, then charges all of them, atomically; a refused request takes nothing. */
  async reserve(charges: LimitCharge[]): Promise<ReserveResult> {
    const result = await this.reserveInTurn([charges]);
    if (!result.refused) return { granted: true, reservation: result.reservations[0] };
    return { granted: false, charge: result.refused.charge, retryAfterMs: result.refused.retryAfterMs };
  }

  /**
   * Reserves each group of charges in turn, in one round trip, as if each were reserved on its
   * own one after the other with nothing in between: a group is granted whole or not at all, and
   * a refused group leaves the groups before it reserved and the ones after it untouched. Charges
   * without a usable limit (not finite, negative) are not checked; a group of none is granted.
   */
  async reserveInTurn(groups: LimitCharge[][]): Promise<ReservationInTurn> {
    const active: LimitCharge[][] = [];
    let charges = 0;
    for (const group of groups) {
      const usable = group.filter(isUsableLimit);
      active.push(usable);
      charges += usable.length;
    }
    if (charges === 0) return { reservations: active.map(() => ({ charges: [] })) };
    const now = this.now();
    const minute = Math.floor(now / WINDOW_MS);
    // [number of keys, keys..., now, window, groups, group sizes..., limit and amount per charge...]
    const args: Array<string | number> = new Array(1 + 2 * charges + 3 + active.length + 2 * charges);
    args[0] = 2 * charges;
    let key = 1;
    let arg = 1 + 2 * charges;
    args[arg++] = now;
    args[arg++] = WINDOW_MS;
    args[arg++] = active.length;
    for (const group of active) args[arg++] = group.length;
    const reservations: Reservation[] = [];
    for (const group of active) {
      const reserved: ReservedCharge[] = [];
      for (const charge of group) {
        const base = `${this.keyPrefix}:llm:rl:${charge.scope}:${charge.metric}:`;
        const windowKey = base + minute;
        args[key++] = windowKey;
        args[key++] = base + (minute - 1);
        args[arg++] = charge.limit;
        args[arg++] = charge.amount;
        reserved.push({ scope: charge.scope, metric: charge.metric, limit: charge.limit, amount: charge.amount, windowKey });
      }
      reservations.push({ charges: reserved });
    }
    const [refusedGroup, refusedCharge, retryAfterMs] = await this.scripts.kastraLimitsReserve(args);
    if (refusedGroup === 0) return { reservations };
    const group = refusedGroup - 1;
    return {
      reservations: reservations.slice(0, group),
      // -1: the request alone is larger than the limit; waiting a minute will not help.
      refused: { group, charge: active[group][refusedCharge - 1], retryAfterMs: retryAfterMs < 0 ? WINDOW_MS : retryAfterMs },
    };
  }

  /**
   * Replaces the reserved tokens by the tokens actually used (RPM charges stay), in the windows
   * they were reserved in: every reservation given, in one round trip (none when nothing changes).
   */
  async settle(reservations: Reservation | readonly Reservation[], usedTokens: number): Promise<void> {
    const list: readonly Reservation[] = Array.isArray(reservations) ? reservations : [reservations as Reservation];
    const keys: string[] = [];
    const corrections: number[] = [];
    for (const reservation of list) {
      for (const charge of reservation.charges) {
        if (charge.metric !== 'tpm' || usedTokens === charge.amount) continue;
        keys.push(charge.windowKey);
        corrections.push(usedTokens - charge.amount);
      }
    }
    if (keys.length === 0) return;
    await this.scripts.kastraLimitsSettle([keys.length, ...keys, ...corrections]);
  }

  /** Tokens and requests charged in the current window of one scope (tests, diagnostics). */
  async currentUsage(scope: string, metric: 'rpm' | 'tpm'): Promise<number> {
    const minute = Math.floor(this.now() / WINDOW_MS);
    return Number((await this.redis.get(`${this.keyPrefix}:llm:rl:${scope}:${metric}:${minute}`)) ?? 0);
  }
}

function isUsableLimit(charge: LimitCharge): boolean {
  return Number.isFinite(charge.limit) && charge.limit >= 0;
}
