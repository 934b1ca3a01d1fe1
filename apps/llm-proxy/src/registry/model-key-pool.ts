import type { KeyPool, PooledKey } from './resolved-model';

/** A key as the pool holds it: decrypted, with the status it had when the model was resolved. */
export interface PoolEntry extends PooledKey {
  status: 'enabled' | 'disabled' | 'invalid';
}

/**
 * What outlives one resolution of a model (the registry caches resolutions for seconds only):
 * the round-robin cursor and the cool-downs, both per process. Replicas each walk the keys on
 * their own, so round-robin is fair per replica, not globally.
 */
export interface KeyPoolState {
  cursor: number;
  /** keyId → epoch ms until which the key is skipped. */
  coolingUntil: Map<string, number>;
}

export interface ModelKeyPoolOptions {
  mode: string;
  state: KeyPoolState;
  /** Persists status `invalid` (and tells the other replicas). */
  persistInvalid: (keyId: string, reason: string) => Promise<void>;
  /** Called with the key handed out, to record last use (throttled by the caller). */
  onUse?: (keyId: string) => void;
  now?: () => number;
}

export class ModelKeyPool implements KeyPool {
  private readonly now: () => number;

  constructor(private readonly entries: PoolEntry[], private readonly options: ModelKeyPoolOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.length;
  }

  next(): PooledKey | undefined {
    const now = this.now();
    const { coolingUntil } = this.options.state;
    const usable = this.entries.filter((e) => e.status === 'enabled' && (coolingUntil.get(e.keyId) ?? 0) <= now);
    if (usable.length === 0) return undefined;
    let chosen = usable[0];
    if (this.options.mode === 'round-robin') {
      chosen = usable[this.options.state.cursor % usable.length];
      this.options.state.cursor = (this.options.state.cursor + 1) % Number.MAX_SAFE_INTEGER;
    }
    this.options.onUse?.(chosen.keyId);
    return { keyId: chosen.keyId, apiKey: chosen.apiKey };
  }

  async markInvalid(keyId: string, reason: string): Promise<void> {
    const entry = this.entries.find((e) => e.keyId === keyId);
    if (entry) entry.status = 'invalid';
    await this.options.persistInvalid(keyId, reason);
  }

  coolDown(keyId: string, ms: number): void {
    const until = this.now() + Math.max(0, ms);
    const { coolingUntil } = this.options.state;
    if ((coolingUntil.get(keyId) ?? 0) < until) coolingUntil.set(keyId, until);
  }
}
