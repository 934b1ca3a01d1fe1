import type { Pool } from 'pg';
import type { EventNotifier } from '@kastra/event-store';
import { MemoryNetworkState, MemoryStateData } from './memory-network-state';
import { DEFAULT_STATE_TTL_SECONDS, networkStateStreamId, type NetworkState, type OpenNetworkStateOptions } from './network-state';
import { NetworkStateError } from './network-state-error';
import { PersistentNetworkState, type StateStreamDeps } from './persistent-network-state';
import { StateEntries } from './state-entries';

export interface NetworkStateStoreDeps {
  pool: Pool;
  /** Wakes watches of persistent states on appends (without it they poll every `pollMs`). */
  notifier?: EventNotifier;
  /** The clock expiry is decided by (tests move it). @default Date.now */
  now?: () => number;
  /** Longest a watch sleeps between checks (new events, expiries). @default 1000 */
  pollMs?: number;
  /** Persistent states whose entries this process keeps between reads (least recently used go). @default 256 */
  maxCachedStreams?: number;
  /** Non-persistent run states kept (least recently opened go). @default 10000 */
  maxMemoryStates?: number;
}

/** Longest namespace, network or thread id (parts of the stream id). */
const MAX_SCOPE_PART_LENGTH = 256;

/**
 * Opens network states: persistent ones as events in the log (any process sees them, a restart
 * replays them), the others in this process's memory. One store per process, so the cache of
 * persistent states and the run states are shared by everything that opens them.
 */
export class NetworkStateStore {
  private readonly streams = new Map<string, StateEntries>();
  private readonly runStates = new Map<string, MemoryStateData>();
  /** The last write queued per stream in this process. */
  private readonly writeQueues = new Map<string, Promise<unknown>>();
  private readonly streamDeps: StateStreamDeps;
  private readonly now: () => number;
  private readonly pollMs: number;

  constructor(private readonly deps: NetworkStateStoreDeps) {
    this.now = deps.now ?? Date.now;
    this.pollMs = deps.pollMs ?? 1000;
    this.streamDeps = {
      pool: deps.pool,
      notifier: deps.notifier,
      now: this.now,
      pollMs: this.pollMs,
      cachedEntries: (streamId) => this.cachedEntries(streamId),
      serialized: (streamId, work) => this.serialized(streamId, work),
    };
  }

  open(options: OpenNetworkStateOptions): NetworkState {
    assertPart('namespace', options.namespace);
    assertPart('network', options.network);
    assertPart('thread', options.thread);
    const ttlSeconds = options.ttlSeconds ?? DEFAULT_STATE_TTL_SECONDS;
    if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) throw new RangeError(`network state ttlSeconds must be a positive number, not ${ttlSeconds}`);
    if (options.persistence) return new PersistentNetworkState(this.streamDeps, networkStateStreamId(options), ttlSeconds, options.actor);
    return new MemoryNetworkState(this.memoryData(options), ttlSeconds, this.now, this.pollMs);
  }

  /** Forgets a run's non-persistent state (when the run ends); its open handles keep working alone. */
  release(options: Pick<OpenNetworkStateOptions, 'namespace' | 'network' | 'thread' | 'run'>): void {
    if (options.run !== undefined) this.runStates.delete(runKey(options));
  }

  private memoryData(options: OpenNetworkStateOptions): MemoryStateData {
    if (options.run === undefined) return new MemoryStateData();
    const key = runKey(options);
    const data = this.runStates.get(key) ?? new MemoryStateData();
    touch(this.runStates, key, data, this.deps.maxMemoryStates ?? 10_000);
    return data;
  }

  private serialized<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.writeQueues.get(streamId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.writeQueues.set(streamId, tail);
    void tail.then(() => {
      if (this.writeQueues.get(streamId) === tail) this.writeQueues.delete(streamId);
    });
    return result;
  }

  private cachedEntries(streamId: string): StateEntries {
    const entries = this.streams.get(streamId) ?? new StateEntries();
    touch(this.streams, streamId, entries, this.deps.maxCachedStreams ?? 256);
    return entries;
  }
}

/** Moves `key` to the newest end of the map; the oldest go past `max`. */
function touch<T>(map: Map<string, T>, key: string, value: T, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value!);
}

function runKey(options: Pick<OpenNetworkStateOptions, 'namespace' | 'network' | 'thread' | 'run'>): string {
  return JSON.stringify([options.namespace, options.network, options.thread, options.run]);
}

function assertPart(what: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SCOPE_PART_LENGTH) {
    throw new NetworkStateError('invalid_scope', `network state ${what} must be a string of 1 to ${MAX_SCOPE_PART_LENGTH} characters`);
  }
}
