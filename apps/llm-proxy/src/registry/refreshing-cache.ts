interface Entry<V> {
  /** When the value is due to be read again (it is still answered until the new read is in). */
  expires: number;
  value: V;
  /** Asked for since eviction last passed over it: it gets a second chance (CLOCK). */
  used: boolean;
}

export interface RefreshingCacheOptions<V> {
  /**
   * How long a value is reused before it is read again. A value past its lifetime is still
   * answered while one read in the background replaces it; 0 keeps nothing (every call reads,
   * concurrent calls share the read).
   */
  ttlMs: number;
  /**
   * Entries kept at most; when one more comes, the oldest entry not asked for since eviction last
   * passed it goes (second chance, an approximation of least recently used). @default 10000
   */
  maxEntries?: number;
  /**
   * Decides what a failed read yields: return a value to use (and keep for another lifetime),
   * or throw to give the caller the error and forget the key. `previous` is the value the key
   * had, if any. @default rethrows
   */
  onLoadError?: (key: string, error: unknown, previous: { value: V } | undefined) => V;
  now?: () => number;
}

/** @default 10000 entries */
export const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * The registry's read-through cache (model resolutions, users' limits), so a call does not wait
 * on Postgres: one read per key and lifetime, shared by concurrent callers; a value past its
 * lifetime is answered at once while it is read again in the background (no call ever waits for
 * a refresh — every caller of a hot model waiting on one query was most of the proxy's p99
 * under load); bounded in size (second-chance eviction: a hit only sets a flag — re-inserting
 * the key to keep the Map in recency order made V8 rehash the long-lived Map's table straight
 * into the old generation every few calls); `clear()` (a change here or on another
 * replica) forgets everything at once, and a read that started before it answers its own callers
 * but is not kept.
 */
export class RefreshingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V>>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private generation = 0;

  constructor(private readonly load: (key: string) => Promise<V>, private readonly options: RefreshingCacheOptions<V>) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_CACHE_ENTRIES);
    this.now = options.now ?? Date.now;
  }

  /** Synchronous when the key is in memory (the common case, stale or not), else the read. */
  get(key: string): V | Promise<V> {
    const entry = this.entries.get(key);
    if (!entry) return this.loading.get(key) ?? this.startLoad(key, undefined);
    entry.used = true;
    if (entry.expires <= this.now() && !this.loading.has(key)) {
      // Nobody waits for it; its failure is already reported by onLoadError, or forgets the key.
      this.startLoad(key, entry).catch(() => undefined);
    }
    return entry.value;
  }

  /** Forgets every value, and any read under way. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private startLoad(key: string, previous: Entry<V> | undefined): Promise<V> {
    const generation = this.generation;
    const loaded = this.load(key).then(
      (value) => this.keep(key, value, generation),
      (error: unknown) => {
        try {
          const value = this.options.onLoadError ? this.options.onLoadError(key, error, previous) : rethrow(error);
          return this.keep(key, value, generation);
        } catch (thrown) {
          if (generation === this.generation) {
            this.loading.delete(key);
            this.entries.delete(key);
          }
          throw thrown;
        }
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  /**
   * Insertion order is the clock: from the oldest, an entry asked for since the last pass is
   * moved to the end with its flag cleared, and the first one that was not is dropped — never
   * `added`, the key just read, which goes to the end for a full round. Runs only when a key
   * comes in over capacity, so the hit path never mutates the Map.
   */
  private evictBeyondCapacity(added: string): void {
    while (this.entries.size > this.maxEntries) {
      for (const [key, entry] of this.entries) {
        this.entries.delete(key);
        if (!entry.used && key !== added) break;
        entry.used = false;
        this.entries.set(key, entry);
      }
    }
  }

  private keep(key: string, value: V, generation: number): V {
    if (generation !== this.generation) return value;
    this.loading.delete(key);
    this.entries.delete(key);
    if (this.options.ttlMs <= 0) return value;
    this.entries.set(key, { expires: this.now() + this.options.ttlMs, value, used: false });
    this.evictBeyondCapacity(key);
    return value;
  }
}

function rethrow(error: unknown): never {
  throw error;
}
