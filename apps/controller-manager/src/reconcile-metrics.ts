import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@kastra/telemetry';

/** Registered once per process (several controller instances in one test share them). */
function single<T>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

export const reconcileTotal = single(
  'kastra_reconcile_total',
  () =>
    new Counter({
      name: 'kastra_reconcile_total',
      help: 'Reconciles by kind and result (success, requeue, error, locked, conflict).',
      labelNames: ['kind', 'result'] as const,
      registers: [metricsRegistry],
    }),
) as Counter<'kind' | 'result'>;

export const reconcileDuration = single(
  'kastra_reconcile_duration_seconds',
  () =>
    new Histogram({
      name: 'kastra_reconcile_duration_seconds',
      help: 'Time one reconcile takes, by kind.',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metricsRegistry],
    }),
) as Histogram<'kind'>;

export const workqueueDepth = single(
  'kastra_workqueue_depth',
  () => new Gauge({ name: 'kastra_workqueue_depth', help: 'Keys waiting in the controller work queue.', registers: [metricsRegistry] }),
) as Gauge;
