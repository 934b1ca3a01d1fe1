import type { Pool } from 'pg';
import { appendToStream, readStream, StreamVersionConflictError, type EventNotifier } from '@kastra/event-store';
import { NETWORK_STATE_CATEGORY, type NetworkState, type NetworkStateChange, type NetworkStateSnapshot, type Unsubscribe } from './network-state';
import { NetworkStateError } from './network-state-error';
import { stateWrites, type StateEntries, type StateWrite } from './state-entries';
import { StateWatcher } from './state-watcher';

/** What persistent handles need from their store. */
export interface StateStreamDeps {
  pool: Pool;
  notifier?: EventNotifier;
  now: () => number;
  /** Longest sleep of a watch between reads when nothing wakes it. */
  pollMs: number;
  /** This process's entries of a stream, as far as it has read them (empty when not cached). */
  cachedEntries(streamId: string): StateEntries;
  /** Runs `work` after this process's earlier writes of the stream (one writer a stream a process). */
  serialized<T>(streamId: string, work: () => Promise<T>): Promise<T>;
}

/** Appends racing on one stream each retry after a conflict; past this many the write fails `conflict`. */
const MAX_APPEND_ATTEMPTS = 20;
const STATE_CATEGORIES: ReadonlySet<string> = new Set([NETWORK_STATE_CATEGORY]);

/**
 * A state kept as events of `networkstate:<ns>:<network>:<thread>`: every read first reads the
 * stream after what this process has cached (one indexed query), so it sees every committed
 * write of any process; a write appends at the version it read, and re-reads and retries when
 * another writer got there first, so concurrent writers of different keys all land and the
 * last write of a key wins.
 */
export class PersistentNetworkState implements NetworkState {
  constructor(
    private readonly deps: StateStreamDeps,
    private readonly streamId: string,
    private readonly ttlSeconds: number,
    private readonly actor?: string,
  ) {}

  async get(key: string): Promise<unknown> {
    return (await this.current()).get(key, this.deps.now());
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.update({ [key]: value });
  }

  async update(values: Record<string, unknown>): Promise<void> {
    const writes = stateWrites(values, this.ttlSeconds, this.deps.now());
    if (writes.length === 0) return;
    // Writers of one process take turns: racing each other would only make them all retry.
    await this.deps.serialized(this.streamId, () => this.append(writes));
  }

  private async append(writes: StateWrite[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const entries = await this.current();
      entries.assertFits(writes, this.deps.now());
      try {
        const { events } = await appendToStream(this.deps.pool, this.streamId, writes, {
          expectedVersion: entries.version,
          metadata: this.actor ? { actor: this.actor } : {},
        });
        const nowMs = this.deps.now();
        for (const event of events) entries.apply(event, nowMs);
        return;
      } catch (error) {
        if (!(error instanceof StreamVersionConflictError)) throw error;
        if (attempt >= MAX_APPEND_ATTEMPTS) {
          throw new NetworkStateError('conflict', `network state ${this.streamId}: other writers got there first ${MAX_APPEND_ATTEMPTS} times in a row; try again`);
        }
        // A little jitter so writers that keep colliding spread out.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 5 * attempt)));
      }
    }
  }

  async getAll(): Promise<Record<string, unknown>> {
    return (await this.snapshot()).values;
  }

  async snapshot(): Promise<NetworkStateSnapshot> {
    return (await this.current()).snapshot(this.deps.now());
  }

  watch(handler: (change: NetworkStateChange) => void, signal?: AbortSignal): Unsubscribe {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    if (signal?.aborted) return () => undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    void this.tail(handler, stop.signal);
    return () => {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
    };
  }

  /** The watch loop: the live keys, then the stream's later events, woken by appends of any state stream. */
  private async tail(handler: (change: NetworkStateChange) => void, signal: AbortSignal): Promise<void> {
    let watcher: StateWatcher | undefined;
    while (!signal.aborted) {
      try {
        if (!watcher) {
          const entries = await this.current();
          if (signal.aborted) return;
          watcher = new StateWatcher(entries.clone(), handler, this.deps.now);
          watcher.start();
        } else {
          const events = await readStream(this.deps.pool, this.streamId, watcher.version);
          if (signal.aborted) return;
          watcher.apply(events);
        }
      } catch {
        // The next round reads again: a watch outlives a database restart.
      }
      const sleepMs = watcher ? watcher.sleepMs(this.deps.pollMs) : this.deps.pollMs;
      if (this.deps.notifier) await this.deps.notifier.wait(signal, sleepMs, STATE_CATEGORIES);
      else await abortableSleep(sleepMs, signal);
    }
  }

  /** This process's entries, caught up with the stream. */
  private async current(): Promise<StateEntries> {
    const entries = this.deps.cachedEntries(this.streamId);
    const events = await readStream(this.deps.pool, this.streamId, entries.version);
    const nowMs = this.deps.now();
    for (const event of events) entries.apply(event, nowMs);
    entries.expire(nowMs);
    return entries;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
