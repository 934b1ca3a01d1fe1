export interface RestartPolicyOptions {
  /** Delay before the first restart. @default 1 second */
  initialDelayMs?: number;
  /** Ceiling of the doubling delay. @default 30 seconds */
  maxDelayMs?: number;
  /** A child that stayed up this long is healthy again: its next crash restarts after the initial delay. @default 60 seconds */
  resetAfterMs?: number;
}

/**
 * Exponential restart backoff (1s, 2s, 4s ... 30s), forgotten once a child has stayed up long
 * enough, so a crash-looping service does not spin while a rare crash restarts quickly.
 */
export class RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly resetAfterMs: number;
  private consecutiveFailures = 0;

  constructor(options: RestartPolicyOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 60_000;
    if (this.initialDelayMs <= 0 || this.maxDelayMs < this.initialDelayMs || this.resetAfterMs <= 0) {
      throw new Error('RestartPolicy: need 0 < initialDelayMs <= maxDelayMs and resetAfterMs > 0');
    }
  }

  /** The delay before restarting a child that exited after `uptimeMs` up. */
  delayAfterExit(uptimeMs: number): number {
    if (uptimeMs >= this.resetAfterMs) this.consecutiveFailures = 0;
    const delay = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.consecutiveFailures);
    this.consecutiveFailures++;
    return delay;
  }
}
