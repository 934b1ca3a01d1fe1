/** One change of a network's state: a key written (`value`), or deleted or expired (`deleted`). */
export interface NetworkStateChange {
  key: string;
  /** The new value; absent when `deleted`. */
  value?: unknown;
  deleted?: true;
}

/** Stops a watch. */
export type Unsubscribe = () => void;

/** The live keys of a state and when each expires (ISO time). */
export interface NetworkStateSnapshot {
  values: Record<string, unknown>;
  expiresAt: Record<string, string>;
}

/**
 * The state shared by the members of a network in one thread: JSON values by key. Every write
 * of a key sets its expiry to `ttl` seconds later; an expired key reads as absent. A `null`
 * value deletes the key (as in a JSON merge patch), so a stored value is never null.
 */
export interface NetworkState {
  /** The key's value, or undefined when it is absent or expired. */
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  /** Writes several keys at once (all or none); `null` deletes a key. */
  update(values: Record<string, unknown>): Promise<void>;
  /** Every live key's value. */
  getAll(): Promise<Record<string, unknown>>;
  /** Every live key's value and expiry. */
  snapshot(): Promise<NetworkStateSnapshot>;
  /**
   * Calls `handler` with every live key first (as a change), then once per write or deletion,
   * and with `deleted` when a key is noticed expired (within a second or so). Until the
   * returned function is called or `signal` aborts. The handler must not throw.
   */
  watch(handler: (change: NetworkStateChange) => void, signal?: AbortSignal): Unsubscribe;
}

/** Which state to open, and how it is kept (the Network's `spec.state`). */
export interface OpenNetworkStateOptions {
  namespace: string;
  /** The Network's name. */
  network: string;
  /** The conversation (a NetworkRun's `spec.threadId`, else the run's own id). */
  thread: string;
  /** true: events in the log, kept across runs and restarts; false: in this process's memory. @default false */
  persistence?: boolean;
  /** Seconds a key lives after its last write. @default 3600 */
  ttlSeconds?: number;
  /**
   * The run a non-persistent state belongs to (the NetworkRun's uid): every open() with the
   * same run in this process shares one state until `release()`. Without it each open() of a
   * non-persistent state is a new, empty one. Ignored when persistent.
   */
  run?: string;
  /** Recorded as the writer of persistent writes (event metadata `actor`). */
  actor?: string;
}

/** A key's lifetime when the Network does not set `spec.state.ttl`. */
export const DEFAULT_STATE_TTL_SECONDS = 3600;
/** Largest value, as JSON text (UTF-8 bytes). */
export const MAX_STATE_VALUE_BYTES = 256 * 1024;
/** Largest state: the live keys and their JSON values together. */
export const MAX_STATE_BYTES = 1024 * 1024;
/** Longest key, in characters. */
export const MAX_STATE_KEY_LENGTH = 256;

export const STATE_SET = 'StateSet';
export const STATE_DELETED = 'StateDeleted';
/** The category of state streams (what the event notifier names). */
export const NETWORK_STATE_CATEGORY = 'networkstate';

/** `networkstate:<ns>:<network>:<thread>`: the log stream of a persistent state. */
export function networkStateStreamId(options: Pick<OpenNetworkStateOptions, 'namespace' | 'network' | 'thread'>): string {
  return `${NETWORK_STATE_CATEGORY}:${options.namespace}:${options.network}:${options.thread}`;
}
