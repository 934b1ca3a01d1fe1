import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@kastra/telemetry';

/** The proxy's Prometheus metrics. Labels are provider, model (registered models only) and status — never a key. */
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

/** The `model` label of every model that is not registered: one series for all of them. */
export const OTHER_MODEL_LABEL = 'other';

/** Model names that may be `model` label values in this process. */
const labelledModels = new Set<string>();

/**
 * Lets `name` be a `model` label value: the registry calls it for the models it knows (its rows:
 * admin models and LLM resources; the shipped catalogue's ids). Any other name a caller sends
 * (`mock/<random>`) is counted as `other`, so /metrics cannot grow with what callers make up.
 */
export function labelMetricsWithModel(name: string): void {
  labelledModels.add(name);
}

/** The `model` label value of a model name. */
export function modelLabelOf(name: string): string {
  return labelledModels.has(name) ? name : OTHER_MODEL_LABEL;
}

type LabelValues = Record<string, string | number>;
type Recording = (labels?: unknown, value?: unknown) => void;

/** Makes every recording method of `metric` that is given labels record them with a bounded `model`. */
function withBoundedModelLabel<M extends object>(metric: M): M {
  for (const method of ['inc', 'dec', 'set', 'observe'] as const) {
    const target = metric as unknown as Record<string, Recording | undefined>;
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = (labels?: unknown, value?: unknown) => {
      if (typeof labels !== 'object' || labels === null || typeof (labels as LabelValues).model !== 'string') return original.call(metric, labels, value);
      const bounded = { ...(labels as LabelValues), model: modelLabelOf((labels as LabelValues).model as string) };
      return value === undefined ? original.call(metric, bounded) : original.call(metric, bounded, value);
    };
  }
  return metric;
}

/**
 * The metrics of this process, registered once on `metricsRegistry` (several apps may share a
 * process in tests). Their `model` label is bounded: see labelMetricsWithModel.
 */
export function llmMetrics(): LlmMetrics {
  metrics ??= boundModelLabels({
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
  });
  return metrics;
}

function boundModelLabels(all: LlmMetrics): LlmMetrics {
  for (const metric of Object.values(all)) withBoundedModelLabel(metric as object);
  return all;
}
