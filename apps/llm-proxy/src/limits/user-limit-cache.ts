import type { UserLimit } from './user-limits';

/** A user's own limits, or undefined when the user has none (the defaults apply). */
type Found = UserLimit | undefined;

interface Entry {
  expires: number;
  value: Found;
}

export interface UserLimitCacheOptions {
  /** How long an answer is reused before the store is read again; `clear()` drops them all sooner. */
  ttlMs: number;
  /** Users remembered at most; the least recently asked for goes first. @default 10000 */
  maxEntries?: number;
  /** Told when the store cannot be read; the user's previous answer, else "none", is used meanwhile. */
  onLoadError?: (user: string, error: unknown) => void;
  now?: () => number;
}

/** @default 10000 users */
export const DEFAULT_USER_LIMIT_CACHE_ENTRIES = 10_000;

/**
 * Per-user limits in process memory, so a call does not wait on the store: one read per user per
 * lifetime (concurrent calls of one user share it), bounded in size (least recently used out),
 * dropped at once by `clear()` (a change here or on another replica). A read that started before
 * a `clear()` answers its own callers but is not kept. A failed read keeps the previous answer
 * for another lifetime, so a store that is down is not asked again on every call.
 */
export class UserLimitCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Found>>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private generation = 0;

  constructor(private readonly load: (user: string) => Promise<Found>, private readonly options: UserLimitCacheOptions) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_USER_LIMIT_CACHE_ENTRIES);
    this.now = options.now ?? Date.now;
  }

  /** Synchronous when the answer is in memory (the common case), else a promise of the read. */
  get(user: string): Found | Promise<Found> {
    const entry = this.entries.get(user);
    if (entry && entry.expires > this.now()) {
      // Map order is the recency order: re-inserting makes this user the most recent.
      this.entries.delete(user);
      this.entries.set(user, entry);
      return entry.value;
    }
    return this.loading.get(user) ?? this.startLoad(user, entry);
  }

  /** Forgets every answer, and any read under way. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private startLoad(user: string, previous: Entry | undefined): Promise<Found> {
    const generation = this.generation;
    const loaded = this.load(user).then(
      (value) => this.keep(user, value, generation),
      (error: unknown) => {
        this.options.onLoadError?.(user, error);
        return this.keep(user, previous?.value, generation);
      },
    );
    this.loading.set(user, loaded);
    return loaded;
  }

  private keep(user: string, value: Found, generation: number): Found {
    if (generation !== this.generation) return value;
    this.loading.delete(user);
    this.entries.delete(user);
    this.entries.set(user, { expires: this.now() + this.options.ttlMs, value });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return value;
  }
}
