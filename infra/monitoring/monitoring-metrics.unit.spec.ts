import * as fs from 'node:fs';
import * as path from 'node:path';
import { metricsRegistry } from '@kastra/telemetry';
import { parse } from 'yaml';
import { llmMetrics } from '../../apps/llm-proxy/src/calls/llm-metrics';
import '../../apps/controller-manager/src/reconcile-metrics';
import { exportingMetric, metricNamesIn } from './test/promql-metric-names';

// The alert rules and the dashboard must select metrics the services really export: the names are
// taken from the services' own registrations (and prom-client's default metrics), not a list.
interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource?: { type: string; uid: string } }>;
}

const rules = (parse(fs.readFileSync(path.join(__dirname, 'prometheus/kastra-alerts.rules.yaml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap(
  (group) => group.rules,
);
const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, 'grafana/kastra-dashboard.json'), 'utf8')) as {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
  panels: Panel[];
};
const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
const recorded = new Set(rules.filter((rule) => rule.record).map((rule) => rule.record!));
/** Series Prometheus makes itself. */
const PROMETHEUS_SERIES = new Set(['up']);

let exported: Set<string>;
beforeAll(async () => {
  llmMetrics();
  exported = new Set((await metricsRegistry.getMetricsAsJSON()).map((metric) => metric.name));
});

function unknownMetrics(exprs: string[]): string[] {
  return exprs.flatMap(metricNamesIn).filter((name) => !recorded.has(name) && !PROMETHEUS_SERIES.has(name) && !exportingMetric(name, exported));
}

describe('metric names', () => {
  it('finds the selected metrics of an expression, and only them', () => {
    expect(
      metricNamesIn('histogram_quantile(0.95, sum by (le, model) (rate(llm_request_duration_seconds_bucket{model=~"$model",status="ok"}[$__rate_interval]))) / on (model) group_left kastra:x or vector(0)'),
    ).toEqual(['kastra:x', 'llm_request_duration_seconds_bucket']);
    expect(exportingMetric('llm_request_duration_seconds_bucket', new Set(['llm_request_duration_seconds']))).toBe('llm_request_duration_seconds');
    expect(exportingMetric('llm_requests_bucket', new Set(['llm_request_duration_seconds']))).toBeUndefined();
  });

  it('the alert rules select only metrics the services export (or rules record)', () => {
    expect(exported).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    expect(exported.has('llm_requests_total')).toBe(true);
    expect(unknownMetrics(rules.map((rule) => rule.expr))).toEqual([]);
    expect(unknownMetrics(['rate(kastra_relay_lag_seconds[5m])'])).toEqual(['kastra_relay_lag_seconds']);
  });

  it('the dashboard selects only metrics the services export', () => {
    expect(unknownMetrics(panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)))).toEqual([]);
  });

  it('alerts on the error rate, p95 latency, breakers, budgets and spend of the llm-proxy', () => {
    const alertOn = (name: string) => rules.find((rule) => rule.alert === name)?.expr ?? '';
    const resolved = (expr: string) => rules.filter((rule) => rule.record && expr.includes(rule.record)).map((rule) => rule.expr).join(' ') + expr;
    expect(resolved(alertOn('KastraLlmErrorRateHigh'))).toMatch(/llm_requests_total[\s\S]*> 0\.10/);
    expect(resolved(alertOn('KastraLlmLatencyP95High'))).toMatch(/histogram_quantile\(0\.95[\s\S]*llm_request_duration_seconds_bucket[\s\S]*> 30/);
    expect(alertOn('KastraLlmCircuitBreakerOpen')).toContain('llm_circuit_breaker_state');
    expect(alertOn('KastraLlmTokenBudgetExhausted')).toContain('llm_rate_limit_hits_total');
    expect(resolved(alertOn('KastraLlmHourlySpendHigh'))).toContain('llm_cost_total');
    expect(alertOn('KastraLlmDailyBudgetExceeded')).toContain('llm_cost_total');
  });
});

describe('the Grafana dashboard', () => {
  it('is an importable dashboard with a Prometheus data source variable', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]));
  });

  it('has panels with unique ids, on the 24-column grid without overlapping, each querying the chosen data source', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let column = x; column < x + w; column++) {
        for (let row = y; row < y + h; row++) {
          expect({ panel: panel.title, cell: `${column},${row}`, taken: cells.has(`${column},${row}`) }).toEqual({ panel: panel.title, cell: `${column},${row}`, taken: false });
          cells.add(`${column},${row}`);
        }
      }
    }
    for (const panel of panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      const refIds = panel.targets!.map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets!) expect(target.expr.trim()).not.toBe('');
    }
  });

  it('shows the proxy latency, tokens, cost and calls', () => {
    const exprs = panels.flatMap((panel) => panel.targets!.map((target) => target.expr)).join('\n');
    for (const metric of ['llm_request_duration_seconds_bucket', 'llm_tokens_total', 'llm_cost_total', 'llm_requests_total', 'llm_circuit_breaker_state']) {
      expect(exprs).toContain(metric);
    }
  });
});
