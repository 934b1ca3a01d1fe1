import {
  MAX_STATE_BYTES,
  MAX_STATE_KEY_LENGTH,
  MAX_STATE_VALUE_BYTES,
  STATE_DELETED,
  STATE_SET,
  type NetworkStateChange,
  type NetworkStateSnapshot,
} from './network-state';
import { NetworkStateError } from './network-state-error';

/** A state event as stored: `StateSet {key, value, expiresAt}` or `StateDeleted {key}`, at its stream version. */
export interface StateEvent {
  type: string;
  data: Record<string, unknown>;
  streamVersion: number;
}

/** A write before it is recorded: the event's type and data. */
export interface StateWrite {
  type: typeof STATE_SET | typeof STATE_DELETED;
  data: Record<string, unknown>;
}

interface Entry {
  value: unknown;
  expiresAtMs: number;
  /** The key and its JSON value, in UTF-8 bytes (what the state limit counts). */
  bytes: number;
}

/**
 * The keys of a state as its events make them, up to `version`. Expiry is decided when read:
 * a key whose `expiresAt` has passed is absent (NATS 2.9 and the log have no per-key TTL).
 */
export class StateEntries {
  version = 0;
  private readonly entries = new Map<string, Entry>();

  /**
   * Applies the event after `version` (older ones are skipped: two catch-ups may read the same
   * events) and returns what it changed among the live keys at `nowMs`.
   */
  apply(event: StateEvent, nowMs: number): NetworkStateChange | undefined {
    if (event.streamVersion <= this.version) return undefined;
    this.version = event.streamVersion;
    const key = String(event.data.key);
    const wasLive = this.isLive(key, nowMs);
    if (event.type === STATE_SET) {
      const expiresAtMs = Date.parse(String(event.data.expiresAt));
      if (!(expiresAtMs > nowMs)) {
        this.entries.delete(key);
        return wasLive ? { key, deleted: true } : undefined;
      }
      this.entries.set(key, { value: event.data.value, expiresAtMs, bytes: entryBytes(key, JSON.stringify(event.data.value)) });
      return { key, value: structuredClone(event.data.value) };
    }
    if (event.type === STATE_DELETED) {
      this.entries.delete(key);
      return wasLive ? { key, deleted: true } : undefined;
    }
    // A type this code does not know (written by a newer version) changes nothing here.
    return undefined;
  }

  /** A copy (for a watcher that starts from this state). */
  clone(): StateEntries {
    const copy = new StateEntries();
    copy.version = this.version;
    for (const [key, entry] of this.entries) copy.entries.set(key, entry);
    return copy;
  }

  /** The live value of `key` (a copy: callers may change it), or undefined. */
  get(key: string, nowMs: number): unknown {
    const entry = this.entries.get(key);
    return entry && entry.expiresAtMs > nowMs ? structuredClone(entry.value) : undefined;
  }

  snapshot(nowMs: number): NetworkStateSnapshot {
    const snapshot: NetworkStateSnapshot = { values: {}, expiresAt: {} };
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs <= nowMs) continue;
      snapshot.values[key] = structuredClone(entry.value);
      snapshot.expiresAt[key] = new Date(entry.expiresAtMs).toISOString();
    }
    return snapshot;
  }

  /** Forgets the keys expired at `nowMs` and returns them. */
  expire(nowMs: number): string[] {
    const expired: string[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs) continue;
      this.entries.delete(key);
      expired.push(key);
    }
    return expired;
  }

  /** Milliseconds until the next key expires, or undefined when there is no key. */
  msUntilNextExpiry(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values()) if (next === undefined || entry.expiresAtMs < next) next = entry.expiresAtMs;
    return next === undefined ? undefined : Math.max(0, next - nowMs);
  }

  /**
   * Refuses writes that would take the state past MAX_STATE_BYTES (a write that does not grow
   * it is always allowed, so an oversized state can be cleaned up).
   */
  assertFits(writes: StateWrite[], nowMs: number): void {
    const sizes = new Map<string, number>();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs > nowMs) sizes.set(key, entry.bytes);
    const before = sum(sizes);
    for (const write of writes) {
      const key = String(write.data.key);
      if (write.type === STATE_DELETED) sizes.delete(key);
      else sizes.set(key, entryBytes(key, JSON.stringify(write.data.value)));
    }
    const after = sum(sizes);
    if (after > MAX_STATE_BYTES && after > before) {
      throw new NetworkStateError(
        'state_too_large',
        `network state would hold ${formatBytes(after)} (keys and JSON values); at most ${formatBytes(MAX_STATE_BYTES)}: delete keys (set them to null) or store less`,
      );
    }
  }

  private isLive(key: string, nowMs: number): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAtMs > nowMs;
  }
}

/**
 * Checks `values` and turns them into the writes that record them: a `null` value deletes its
 * key, anything else is stored as its JSON (so memory and the log hold the same values).
 */
export function stateWrites(values: Record<string, unknown>, ttlSeconds: number, nowMs: number): StateWrite[] {
  if (!values || typeof values !== 'object' || Array.isArray(values)) {
    throw new NetworkStateError('not_json', 'network state values must be an object of keys to JSON values');
  }
  const expiresAt = new Date(nowMs + ttlSeconds * 1000).toISOString();
  return Object.entries(values).map(([key, value]): StateWrite => {
    assertKey(key);
    if (value === null) return { type: STATE_DELETED, data: { key } };
    const json = jsonOf(key, value);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_STATE_VALUE_BYTES) {
      throw new NetworkStateError('value_too_large', `value of network state key ${JSON.stringify(key)} is ${formatBytes(bytes)} of JSON; at most ${formatBytes(MAX_STATE_VALUE_BYTES)}`);
    }
    return { type: STATE_SET, data: { key, value: JSON.parse(json) as unknown, expiresAt } };
  });
}

function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STATE_KEY_LENGTH) {
    throw new NetworkStateError('invalid_key', `a network state key must be a string of 1 to ${MAX_STATE_KEY_LENGTH} characters, not ${JSON.stringify(key)?.slice(0, 80) ?? String(key)}`);
  }
}

function jsonOf(key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new NetworkStateError('not_json', `value of network state key ${JSON.stringify(key)} is not JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new NetworkStateError('not_json', `value of network state key ${JSON.stringify(key)} is not JSON (${typeof value})`);
  return json;
}

function entryBytes(key: string, json: string): number {
  return Buffer.byteLength(key) + Buffer.byteLength(json);
}

function sum(sizes: Map<string, number>): number {
  let total = 0;
  for (const size of sizes.values()) total += size;
  return total;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
