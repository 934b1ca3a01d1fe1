import type { NetworkState, NetworkStateChange, NetworkStateSnapshot, Unsubscribe } from './network-state';
import { StateEntries, stateWrites, type StateEvent } from './state-entries';
import { StateWatcher } from './state-watcher';

/** What the handles of one non-persistent state share: its keys and who listens. */
export class MemoryStateData {
  readonly entries = new StateEntries();
  readonly listeners = new Set<(events: StateEvent[]) => void>();
}

/**
 * A state in this process's memory (a Network without `spec.state.persistence`): it lives as
 * long as its run holds it, is seen only by this process, and is lost on restart.
 */
export class MemoryNetworkState implements NetworkState {
  constructor(
    private readonly data: MemoryStateData,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
    private readonly pollMs: number,
  ) {}

  async get(key: string): Promise<unknown> {
    return this.data.entries.get(key, this.now());
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.update({ [key]: value });
  }

  async update(values: Record<string, unknown>): Promise<void> {
    const nowMs = this.now();
    const writes = stateWrites(values, this.ttlSeconds, nowMs);
    if (writes.length === 0) return;
    this.data.entries.assertFits(writes, nowMs);
    const events = writes.map((write, i): StateEvent => ({ ...write, streamVersion: this.data.entries.version + i + 1 }));
    for (const event of events) this.data.entries.apply(event, nowMs);
    for (const listener of this.data.listeners) listener(events);
  }

  async getAll(): Promise<Record<string, unknown>> {
    return this.data.entries.snapshot(this.now()).values;
  }

  async snapshot(): Promise<NetworkStateSnapshot> {
    return this.data.entries.snapshot(this.now());
  }

  watch(handler: (change: NetworkStateChange) => void, signal?: AbortSignal): Unsubscribe {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let listener: ((events: StateEvent[]) => void) | undefined;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      if (listener) this.data.listeners.delete(listener);
      signal?.removeEventListener('abort', stop);
    };
    if (signal?.aborted) return stop;
    signal?.addEventListener('abort', stop, { once: true });
    // The handler is first called after watch() returns, as a persistent watch's is.
    queueMicrotask(() => {
      if (stopped) return;
      const watcher = new StateWatcher(this.data.entries.clone(), handler, this.now);
      const schedule = () => {
        clearTimeout(timer);
        if (stopped) return;
        timer = setTimeout(() => {
          watcher.expire();
          schedule();
        }, watcher.sleepMs(this.pollMs));
        timer.unref();
      };
      listener = (events) => {
        watcher.apply(events);
        schedule();
      };
      watcher.start();
      if (stopped) return;
      this.data.listeners.add(listener);
      schedule();
    });
    return stop;
  }
}
