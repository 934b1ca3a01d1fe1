import type { NetworkStateChange } from './network-state';
import type { StateEntries, StateEvent } from './state-entries';

/**
 * One watch's view of a state: it starts from the live keys, applies each later event once and
 * notices expiries on its own clock, telling the handler every change.
 */
export class StateWatcher {
  constructor(
    private readonly view: StateEntries,
    private readonly handler: (change: NetworkStateChange) => void,
    private readonly now: () => number,
  ) {}

  get version(): number {
    return this.view.version;
  }

  /** Tells the handler every live key (the state as the watch starts). */
  start(): void {
    const { values } = this.view.snapshot(this.now());
    for (const [key, value] of Object.entries(values)) this.emit({ key, value });
  }

  apply(events: StateEvent[]): void {
    const nowMs = this.now();
    for (const event of events) {
      const change = this.view.apply(event, nowMs);
      if (change) this.emit(change);
    }
    this.expire();
  }

  expire(): void {
    for (const key of this.view.expire(this.now())) this.emit({ key, deleted: true });
  }

  /** How long to sleep: until the next expiry, at most `pollMs`. */
  sleepMs(pollMs: number): number {
    const untilExpiry = this.view.msUntilNextExpiry(this.now());
    return Math.max(10, Math.min(pollMs, untilExpiry === undefined ? pollMs : untilExpiry + 1));
  }

  private emit(change: NetworkStateChange): void {
    try {
      this.handler(change);
    } catch {
      // A handler must not throw; one that does must not stop the watch for the others.
    }
  }
}
