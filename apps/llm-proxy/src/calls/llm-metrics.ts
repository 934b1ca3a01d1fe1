import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@kastra/telemetry';

/** The proxy's Prometheus metrics. Labels are provider, model and status — never a key. */
export interface LlmMetrics {
  requests: Counter<'provider' | 'model' | 'status'>;
  duration: Histogram<'provider' | 'model' | 'status'>;
  active: Gauge<'provider' | 'model'>;
  tokens: Counter<'provider' | 'model' | 'type'>;
  cost: Counter<'provider' | 'model' | 'currency'>;
  errors: Counter<'provider' | 'model' | 'status'>;
  rateLimitHits: Counter<'provider' | 'model' | 'scope'>;
  circuitBreakerState: Gauge<'provider' | 'model' | 'key_id'>;
}

let metrics: LlmMetrics | undefined;

/** The metrics of this process, registered once on `metricsRegistry` (several apps may share a process in tests). */
export function llmMetrics(): LlmMetrics {
  metrics ??= {
    requests: new Counter({
      name: 'llm_requests_total',
      help: 'LLM calls through the proxy, by outcome',
      labelNames: ['provider', 'model', 'status'],
      registers: [metricsRegistry],
    }),
    duration: new Histogram({
      name: 'llm_request_duration_seconds',
      help: 'Duration of LLM calls through the proxy, upstream included',
      labelNames: ['provider', 'model', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [metricsRegistry],
    }),
    active: new Gauge({
      name: 'llm_active_requests',
      help: 'LLM calls in flight',
      labelNames: ['provider', 'model'],
      registers: [metricsRegistry],
    }),
    tokens: new Counter({
      name: 'llm_tokens_total',
      help: 'Tokens used, by type (prompt, completion, cached)',
      labelNames: ['provider', 'model', 'type'],
      registers: [metricsRegistry],
    }),
    cost: new Counter({
      name: 'llm_cost_total',
      help: 'Cost of priced calls (unpriced calls are not counted)',
      labelNames: ['provider', 'model', 'currency'],
      registers: [metricsRegistry],
    }),
    errors: new Counter({
      name: 'llm_errors_total',
      help: 'Failed upstream attempts and failed calls, by error kind',
      labelNames: ['provider', 'model', 'status'],
      registers: [metricsRegistry],
    }),
    rateLimitHits: new Counter({
      name: 'llm_rate_limit_hits_total',
      help: 'Requests refused by the proxy rate limits (scope user or model)',
      labelNames: ['provider', 'model', 'scope'],
      registers: [metricsRegistry],
    }),
    circuitBreakerState: new Gauge({
      name: 'llm_circuit_breaker_state',
      help: 'Circuit of each provider key: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider', 'model', 'key_id'],
      registers: [metricsRegistry],
    }),
  };
  return metrics;
}
