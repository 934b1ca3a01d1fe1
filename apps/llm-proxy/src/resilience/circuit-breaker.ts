export type CircuitState = 'closed' | 'open' | 'half_open';

/** Gauge value of each state in `llm_circuit_breaker_state`. */
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe may pass. */
  cooldownMs: number;
  /** Called on every state change (metrics). */
  onStateChange?: (state: CircuitState) => void;
  now?: () => number;
}

/**
 * The health of one upstream key as this process sees it: closed (calls pass), open (calls are
 * refused until the cool-down ends), half-open (exactly one probe passes; its result closes or
 * re-opens the circuit).
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get currentState(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.options.cooldownMs) this.transition('half_open');
    return this.state;
  }

  /** True when a call may go out now; in half-open, only the first caller gets through. */
  tryAcquire(): boolean {
    const state = this.currentState;
    if (state === 'closed') return true;
    if (state === 'open' || this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.probeInFlight = false;
    if (this.state !== 'closed') this.transition('closed');
  }

  recordFailure(): void {
    this.probeInFlight = false;
    this.consecutiveFailures++;
    if (this.state === 'half_open' || (this.state === 'closed' && this.consecutiveFailures >= this.options.failureThreshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  /** A call that ended neither way (client cancelled, bad request): frees a half-open probe slot. */
  release(): void {
    this.probeInFlight = false;
  }

  private transition(state: CircuitState): void {
    this.state = state;
    this.options.onStateChange?.(state);
  }
}
