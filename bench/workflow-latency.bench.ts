import * as os from 'node:os';
import { percentile, row, runAsScript, type BenchReport, type BenchRow } from './support/bench-report';
import { closedLoop, loadAverage, cpuSnapshot, cpuUse, errorsOf, figuresOf, post, round2, type PhaseFigures } from './support/closed-loop';
import type { Sample } from './support/http-load';
import { startBenchStack, type BenchStack } from './support/kastra-stack';
import { ensureMastraInstalled, runMastraBaseline, type MastraResult } from './support/mastra-baseline';

/**
 * A 2-step workflow of builtin no-op tools (`current-time`) run as a user runs it: the stack's
 * services from dist/ (api-gateway, controller-manager, workflow-executor, llm-proxy; JWT auth on,
 * LLM limits on), the Tool and the Workflow applied by server-side apply, then
 * `POST .../workflows/two-noops/execute` with a bearer token — from 1 client and from 16
 * concurrent clients (closed loops; latency from each call's send). Each service's CPU per run
 * and per step (/proc/<pid>/stat).
 *
 * Baseline in the same run, between the two Kastra phases: what a user would pick instead —
 * Mastra (`@mastra/core` with `@mastra/libsql` file storage, Node 22 from the npm `node`
 * package, bench/mastra-baseline/) running the same 2-step workflow (createWorkflow/createStep,
 * two steps returning the time) from 1 caller and 16 concurrent callers, in one process. Mastra is
 * timed in-process (no HTTP); Kastra through its REST API, durable and distributed.
 */
const SEQUENTIAL = Number(process.env.BENCH_NOOP_SEQUENTIAL ?? 200);
/** The 1-client phase stops at SEQUENTIAL runs or after this many seconds, whichever comes first. */
const SEQUENTIAL_SECONDS = Number(process.env.BENCH_NOOP_SEQUENTIAL_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_NOOP_CLIENTS ?? 16);
const LOAD_SECONDS = Number(process.env.BENCH_NOOP_LOAD_SECONDS ?? 20);
const WARMUP = Number(process.env.BENCH_NOOP_WARMUP ?? 20);
/** The issue's targets: 1 client p50 < 10 ms and p99 < 50 ms; 16 clients >= 300 runs/s. */
const TARGET = { p50: 10, p99: 50, rate: 300 };
const STEPS = 2;

const MANIFESTS = [
  { apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name: 'noop', namespace: 'default' }, spec: { builtin: 'current-time', description: 'no-op: the current time' } },
  {
    apiVersion: 'mastra.ai/v1',
    kind: 'Workflow',
    metadata: { name: 'two-noops', namespace: 'default' },
    spec: { steps: [{ id: 's1', tool: 'noop', input: {} }, { id: 's2', tool: 'noop', input: {} }] },
  },
];

function mastraFigures(phase: MastraResult['sequential']): PhaseFigures {
  const ms = [...phase.ms].sort((a, b) => a - b);
  return { calls: ms.length, errors: 0, perSecond: round2(ms.length / phase.seconds), p50: round2(percentile(ms, 50)), p99: round2(percentile(ms, 99)), max: round2(ms.at(-1) ?? Number.NaN) };
}

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAverage();
  const failures: string[] = [];
  const notes: string[] = [];
  let stack: BenchStack | undefined;
  try {
    // Mastra first: an install that cannot work is said before the stack is started.
    let mastraNode: string | undefined;
    try {
      mastraNode = ensureMastraInstalled();
    } catch (error) {
      failures.push(`Mastra baseline not installed: ${(error as Error).message}`);
    }
    stack = await startBenchStack('benchnoop');
    await stack.apply(MANIFESTS);
    await stack.waitReady(['tools/default/noop', 'workflows/default/two-noops'], 60_000);
    const url = `${stack.gatewayUrl}/apis/mastra.ai/v1/namespaces/default/workflows/two-noops/execute`;
    const headers = { authorization: `Bearer ${stack.token}` };
    const execute = () => post(url, '{}', headers);

    const warm = (await closedLoop(execute, 1, { count: WARMUP })).samples;
    if (warm.some((s) => !s.ok)) failures.push(`warm-up: ${warm.filter((s) => !s.ok).length} of ${warm.length} runs failed (${errorsOf(warm)})`);

    const pids = new Map([...stack.services].map(([name, service]) => [name, service.pid]));
    const measure = async (clients: number, limit: { seconds?: number; count?: number }) => {
      const before = cpuSnapshot(pids);
      const { samples, seconds } = await closedLoop(execute, clients, limit);
      const figures = figuresOf(samples, seconds);
      const ok = figures.calls - figures.errors;
      return { samples, figures, seconds, perRun: cpuUse(before, cpuSnapshot(pids), ok, seconds), perStep: cpuUse(before, cpuSnapshot(pids), ok * STEPS, seconds) };
    };
    const one = await measure(1, { count: SEQUENTIAL, seconds: SEQUENTIAL_SECONDS });
    let mastra: (MastraResult & { pid: number }) | undefined;
    if (mastraNode) {
      try {
        mastra = await runMastraBaseline(mastraNode, { warmup: WARMUP * 5, sequential: SEQUENTIAL * 5, concurrency: CLIENTS, seconds: 5 });
        if (mastra.errors > 0) failures.push(`Mastra baseline: ${mastra.errors} runs failed`);
      } catch (error) {
        failures.push(`Mastra baseline did not run: ${(error as Error).message}`);
      }
    }
    const many = await measure(CLIENTS, { seconds: LOAD_SECONDS });
    for (const [name, phase] of [['1 client', one], [`${CLIENTS} clients`, many]] as const) {
      if (phase.figures.errors > 0) failures.push(`Kastra, ${name}: ${phase.figures.errors} of ${phase.figures.calls} runs failed (${errorsOf(phase.samples as Sample[])})`);
    }

    const mOne = mastra ? mastraFigures(mastra.sequential) : undefined;
    const mMany = mastra ? mastraFigures(mastra.concurrent) : undefined;
    const base = (figures: PhaseFigures | undefined, key: keyof PhaseFigures) => (figures ? figures[key] : Number.NaN);
    const cpu = (phase: typeof one) => ({
      ...Object.fromEntries(Object.entries(phase.perRun.perUnitMs).map(([name, ms]) => [`${name} CPU ms/run`, ms])),
      ...Object.fromEntries(Object.entries(phase.perStep.perUnitMs).map(([name, ms]) => [`${name} CPU ms/step`, ms])),
      ...Object.fromEntries(Object.entries(phase.perRun.corePercent).map(([name, pct]) => [`${name} % of a core`, pct])),
      'machine busy %': phase.perRun.machineBusyPercent,
    });
    const executorPerStep = many.perStep.perUnitMs['workflow-executor'];
    const rows: BenchRow[] = [
      row('1 client: p50', one.figures.p50, 'ms', 'Mastra p50', base(mOne, 'p50'), { runs: one.figures.calls, max: one.figures.max }),
      row('1 client: p99', one.figures.p99, 'ms', 'Mastra p99', base(mOne, 'p99')),
      row('1 client: runs/s', one.figures.perSecond, 'runs/s', 'Mastra runs/s', base(mOne, 'perSecond'), cpu(one)),
      row(`${CLIENTS} clients: runs/s`, many.figures.perSecond, 'runs/s', 'Mastra runs/s', base(mMany, 'perSecond'), { runs: many.figures.calls, seconds: round2(many.seconds), ...cpu(many) }),
      row(`${CLIENTS} clients: p50`, many.figures.p50, 'ms', 'Mastra p50', base(mMany, 'p50')),
      row(`${CLIENTS} clients: p99`, many.figures.p99, 'ms', 'Mastra p99', base(mMany, 'p99'), { max: many.figures.max }),
      row(`workflow-executor CPU per step, ${CLIENTS} clients`, executorPerStep, 'ms/step', 'Mastra CPU ms/step (whole process)', mastra ? round2(mastra.concurrent.cpuMs / (mastra.concurrent.ms.length * STEPS)) : Number.NaN, {
        'executor % of a core': many.perRun.corePercent['workflow-executor'],
        ...Object.fromEntries(Object.entries(many.perStep.perUnitMs).map(([name, ms]) => [`${name} CPU ms/step`, ms])),
      }),
    ];
    const met = (ok: boolean) => (ok ? 'MET' : 'MISSED');
    notes.push(
      `targets: 1 client p50 < ${TARGET.p50} ms and p99 < ${TARGET.p99} ms -> ${one.figures.p50} / ${one.figures.p99} ms ${met(one.figures.p50 < TARGET.p50 && one.figures.p99 < TARGET.p99)}; ${CLIENTS} clients >= ${TARGET.rate} runs/s -> ${many.figures.perSecond} runs/s ${met(many.figures.perSecond >= TARGET.rate)}`,
      `CPU per step at ${CLIENTS} clients (ms): ${Object.entries(many.perStep.perUnitMs).map(([n, ms]) => `${n} ${ms}`).join(', ')}; % of a core: ${Object.entries(many.perRun.corePercent).map(([n, p]) => `${n} ${p}`).join(', ')}; machine ${many.perRun.machineBusyPercent} % busy (Postgres, NATS and this generator are shared with other work on the machine and not counted per step).`,
      mastra
        ? `Mastra ${mastra.mastra} on Node ${mastra.node}, libsql file storage, in one process: ${WARMUP * 5} warm-up runs, ${SEQUENTIAL * 5} sequential, then ${CLIENTS} concurrent callers for 5 s; timed in-process (no HTTP). Kastra: ${WARMUP} warm-up runs, ${SEQUENTIAL} sequential, ${CLIENTS} clients for ${LOAD_SECONDS} s, through the REST API.`
        : 'Mastra baseline missing: see failures.',
    );
    notes.push(`load average (1 min) at start / end: ${loadAtStart} / ${loadAverage()} on ${os.cpus().length} cores (above the core count, work waited for a CPU: absolute figures are the machine's as much as Kastra's).`);
    return { name: 'workflow-latency', description: 'a 2-step no-op workflow (builtin current-time) through the stack (execute endpoint, auth and limits on) vs Mastra running the same workflow', rows, notes, failures };
  } finally {
    if (stack) for (const line of stack.problems()) console.error(`  service log: ${line}`);
    await stack?.stop();
  }
}

if (require.main === module) runAsScript(run);
