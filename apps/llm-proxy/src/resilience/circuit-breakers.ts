import { CircuitBreaker, CIRCUIT_STATE_VALUE } from './circuit-breaker';
import { llmMetrics } from '../calls/llm-metrics';

export interface BreakerTarget {
  provider: string;
  model: string;
  /** The registry's key id (never the key); undefined for providers without keys. */
  keyId?: string;
}

/** One circuit breaker per provider key (per model when the provider needs no key), in this process. */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly failureThreshold: number, private readonly cooldownMs: number) {}

  for(target: BreakerTarget): CircuitBreaker {
    const id = target.keyId ? `key:${target.keyId}` : `model:${target.provider}/${target.model}`;
    let breaker = this.breakers.get(id);
    if (!breaker) {
      const labels = { provider: target.provider, model: target.model, key_id: target.keyId ?? 'none' };
      breaker = new CircuitBreaker({
        failureThreshold: this.failureThreshold,
        cooldownMs: this.cooldownMs,
        onStateChange: (state) => llmMetrics().circuitBreakerState.set(labels, CIRCUIT_STATE_VALUE[state]),
      });
      llmMetrics().circuitBreakerState.set(labels, 0);
      this.breakers.set(id, breaker);
    }
    return breaker;
  }
}
