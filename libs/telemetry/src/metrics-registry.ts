import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The one Prometheus registry of this process: every library registers its metrics here and
 * `/metrics` serves it. Default Node metrics (CPU, memory, event loop, GC) are collected.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Adds the `service` label to every metric; called once at startup by the service host. */
export function labelMetricsWithService(service: string): void {
  metricsRegistry.setDefaultLabels({ service });
}
