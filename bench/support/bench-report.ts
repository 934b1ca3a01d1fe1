import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One measured case: a value, and the baseline measured beside it in the same run. */
export interface BenchRow {
  case: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  /** value / baselineValue. */
  ratio: number;
  /** Extra figures worth keeping (percentiles, counts). */
  details?: Record<string, number | string>;
}

/** What a benchmark's `run()` resolves to; run-all prints it and writes bench/results/<name>.json. */
export interface BenchReport {
  name: string;
  description: string;
  rows: BenchRow[];
  /** Free-form notes printed under the table (e.g. what the ratio means). */
  notes?: string[];
  /**
   * Why the run does not count (errors, a check that did not hold). Any failure marks the stored
   * result failed and makes the benchmark's process exit non-zero, so run-all reports FAIL.
   */
  failures?: string[];
}

export interface StoredBenchReport extends BenchReport {
  /** False when `failures` is not empty: these figures are not to be quoted or committed. */
  passed: boolean;
  date: string;
  durationMs: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; platform: string; node: string };
}

export function row(name: string, value: number, unit: string, baseline: string, baselineValue: number, details?: BenchRow['details']): BenchRow {
  return { case: name, value, unit, baseline, baselineValue, ratio: baselineValue === 0 ? Number.NaN : value / baselineValue, ...(details ? { details } : {}) };
}

/** The repository root: the nearest folder above this file with a package.json (works from dist/ and from source). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above bench/');
    dir = parent;
  }
  return dir;
}

export function machine(): StoredBenchReport['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The report as a fixed-width table. */
export function renderTable(report: BenchReport): string {
  const header = ['case', 'value', 'unit', 'baseline', 'baseline value', 'ratio'];
  const lines = report.rows.map((r) => [r.case, format(r.value), r.unit, r.baseline, format(r.baselineValue), `${format(r.ratio)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 4 || i === 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const out = [`== ${report.name}: ${report.description}`, render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)];
  for (const note of report.notes ?? []) out.push(`  ${note}`);
  for (const failure of report.failures ?? []) out.push(`  FAILED: ${failure}`);
  return out.join('\n');
}

/** Prints the table and writes bench/results/<name>.json (in the source tree, committed). */
export function publishReport(report: BenchReport, durationMs: number): string {
  const stored: StoredBenchReport = { ...report, passed: (report.failures ?? []).length === 0, date: new Date().toISOString(), durationMs: Math.round(durationMs), machine: machine() };
  const dir = path.join(repoRoot(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`);
  console.log(renderTable(report));
  console.log(`  -> ${path.relative(repoRoot(), file)} (${(durationMs / 1000).toFixed(1)} s)\n`);
  return file;
}

/**
 * The tail every `*.bench.ts` that exports `run()` ends with, so it also runs alone:
 * `if (require.main === module) runAsScript(run);`
 */
export function runAsScript(run: () => Promise<BenchReport | void>): void {
  const started = performance.now();
  run()
    .then((report) => {
      if (!report) return;
      publishReport(report, performance.now() - started);
      if ((report.failures ?? []).length > 0) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
