import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { executeTool } from '@kastra/agent-runtime';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { migrate, readStream, type RecordedEvent } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { createTestDatabase, deleteTestStreams, freePort, testNatsPrefix } from '@kastra/testing';
import { percentile, row, runAsScript, type BenchReport, type BenchRow } from './support/bench-report';
import { cleanUpOnStop } from './support/clean-up-on-stop';
import { cpuSeconds } from './support/http-load';
import { startServiceProcess, type ServiceProcess } from './support/service-process';

/**
 * Workflow runs as users run them: `POST .../workflows/{name}/execute` on the gateway (create the
 * WorkflowRun, wait for its terminal status on a watch, answer with the output), executed by 1, 2
 * and 4 workflow-executor processes from dist/ with their default settings (JetStream work queue,
 * advisory lock per run, every transition an event, status written back). Steps are builtin no-op
 * tools (current-time).
 * - steps/s: 16 clients each executing runs of a STEPS-step workflow one after the other.
 *   Latencies come from the logs' createdAt (transaction time): the step-to-step gap (StepStarted
 *   of step n -> StepStarted of step n+1; StepSucceeded of n is appended in the same transaction
 *   as StepStarted of n+1) and run creation -> RunStarted (ResourceCreated of the WorkflowRun ->
 *   RunStarted). CPU ms per step: each executor's utime+stime (/proc) over the phase / steps.
 * - a 2-step no-op workflow: 1 client (p50/p99 of the HTTP call) and 16 clients (runs/s), with the
 *   1-client run traced hop by hop from the logs (medians).
 * Baseline in the same run: the same steps through a plain in-process loop.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 96);
const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const REPLICAS = (process.env.BENCH_REPLICAS ?? '1,2,4').split(',').map(Number);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const TWO_STEP_SEQUENTIAL = Number(process.env.BENCH_TWO_STEP_SEQUENTIAL ?? 150);
const TWO_STEP_CONCURRENT = Number(process.env.BENCH_TWO_STEP_CONCURRENT ?? 480);
const TWO_STEP_REPLICAS = (process.env.BENCH_TWO_STEP_REPLICAS ?? '1').split(',').map(Number);

const ctx = { actor: 'user:bench' };
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, timeout: 120_000 });

interface Call {
  ms: number;
  startedAt: number;
  endedAt: number;
  status: number;
  run?: string;
  /** The answer, when it was not a 200. */
  body?: string;
}

/** POST execute; wall-clock times (Date.now()) to line up with the log's transaction times. */
function execute(url: string, token: string): Promise<Call> {
  const target = new URL(url);
  const startedAt = Date.now();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': 2 } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => {
          const ms = performance.now() - t0;
          const text = Buffer.concat(chunks).toString('utf8');
          let run: string | undefined;
          try {
            run = (JSON.parse(text) as { run?: string }).run;
          } catch {
            run = undefined;
          }
          resolve({ ms, startedAt, endedAt: Date.now(), status: response.statusCode ?? 0, run, ...(response.statusCode === 200 ? {} : { body: text.slice(0, 600) }) });
        });
        response.once('error', reject);
      },
    );
    request.once('error', reject);
    request.end('{}');
  });
}

/** `clients` loops calling `call` until `total` calls were made. */
async function closedLoop(total: number, clients: number, call: () => Promise<Call>): Promise<Call[]> {
  const calls: Call[] = [];
  let issued = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (issued < total) {
        issued++;
        calls.push(await call());
      }
    }),
  );
  return calls;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => (values.length ? percentile(sorted(values), 50) : Number.NaN);

/** The WorkflowRun's creation and its run log (transaction times), by run name. */
async function runLogs(pool: Pool, store: { list: (q: { kind: string; namespace: string }) => Promise<{ items: Resource[] }> }, names: Set<string>) {
  const runs = (await store.list({ kind: 'WorkflowRun', namespace: 'default' })).items.filter((r) => names.has(r.metadata.name));
  const logs = new Map<string, { resource: RecordedEvent[]; run: RecordedEvent[] }>();
  for (const r of runs) {
    logs.set(r.metadata.name, {
      resource: await readStream(pool, `resource:WorkflowRun:default:${r.metadata.name}`),
      run: await readStream(pool, `run:default:${r.metadata.name}:${r.metadata.uid}`),
    });
  }
  return logs;
}

const at = (event: RecordedEvent | undefined) => (event ? Date.parse(event.createdAt) : Number.NaN);

export async function run(): Promise<BenchReport> {
  const db = await createTestDatabase('benchwfsteps');
  const prefix = testNatsPrefix('benchwf');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-wf-'));
  // Connections kept open from the start: on a Postgres shared with other work, one opened late can be refused.
  const pool = new Pool({ connectionString: db.url, max: 4, idleTimeoutMillis: 0 });
  const services: ServiceProcess[] = [];
  let store: Awaited<ReturnType<typeof createResourceStore>> | undefined;
  const cleanUp = cleanUpOnStop(async () => {
    for (const service of services.reverse()) await service.stop();
    await store?.close();
    await pool.end();
    await db.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  });
  try {
    const held = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
    held.forEach((client) => client.release());
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' };
    const gateway = await startServiceProcess('api-gateway', await freePort(), { ...env, HTTPS_PORT: String(await freePort()), GRPC_PORT: String(await freePort()) });
    services.push(gateway);
    const token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'bench', role: 'admin' });

    const tool: Resource = { apiVersion: API_GROUP_VERSION, kind: 'Tool', metadata: { name: 'noop', namespace: 'default' }, spec: { builtin: 'current-time', description: 'no-op' } };
    await store.create(tool, ctx);
    const chain = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i + 1}`, tool: 'noop', input: {} }));
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Workflow', metadata: { name: 'noops', namespace: 'default' }, spec: { steps: chain(STEPS) } }, ctx);
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Workflow', metadata: { name: 'two-noops', namespace: 'default' }, spec: { steps: chain(2) } }, ctx);
    const executeUrl = (workflow: string) => `${gateway.url}/apis/${API_GROUP_VERSION}/namespaces/default/workflows/${workflow}/execute`;

    // Baseline: the same runs' steps in a plain loop in this process (runs concurrently, steps in order).
    const baselineStart = performance.now();
    const baselineGaps: number[] = [];
    const baselineRuns: number[] = [];
    await closedLoop(RUNS, CLIENTS, async () => {
      const runStart = performance.now();
      let previous = runStart;
      for (let s = 0; s < STEPS; s++) {
        await executeTool(tool, {}, { secrets: async () => undefined });
        const now = performance.now();
        if (s > 0) baselineGaps.push(now - previous);
        previous = now;
        if (s === 1) baselineRuns.push(now - runStart);
      }
      return { ms: 0, startedAt: 0, endedAt: 0, status: 200 };
    });
    const baselineStepsPerSecond = (RUNS * STEPS) / ((performance.now() - baselineStart) / 1000);
    const baselineGapP50 = round(median(baselineGaps), 2);
    const baselineTwoStepP50 = round(median(baselineRuns), 2);

    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const failures: string[] = [];
    const check = (calls: Call[], what: string) => {
      const bad = calls.filter((c) => c.status !== 200);
      if (bad.length > 0) failures.push(`${what}: ${bad.length} of ${calls.length} calls answered ${[...new Set(bad.map((c) => c.status))].join(', ')}, e.g. ${bad[0].body}`);
    };
    for (const replicas of REPLICAS) {
      const executors = await Promise.all(Array.from({ length: replicas }, async () => startServiceProcess('workflow-executor', await freePort(), env)));
      services.push(...executors);
      const suffix = `${replicas} executor${replicas > 1 ? 's' : ''}`;
      // Warm-up (JIT, pools, consumers): not measured.
      check(await closedLoop(2 * CLIENTS, CLIENTS, () => execute(executeUrl('two-noops'), token)), `warm-up, ${suffix}`);

      // Steps/s: CLIENTS clients executing STEPS-step runs.
      const cpuBefore = executors.map((e) => cpuSeconds(e.pid));
      const started = performance.now();
      const calls = await closedLoop(RUNS, CLIENTS, () => execute(executeUrl('noops'), token));
      const seconds = (performance.now() - started) / 1000;
      const cpuMs = executors.map((e, i) => (cpuSeconds(e.pid) - cpuBefore[i]) * 1000);
      check(calls, `steps, ${suffix}`);
      const logs = await runLogs(pool, store, new Set(calls.map((c) => c.run ?? '')));
      const gaps: number[] = [];
      const starts: number[] = [];
      for (const { resource, run: events } of logs.values()) {
        starts.push(at(events.find((e) => e.type === 'RunStarted')) - at(resource.find((e) => e.type === 'ResourceCreated')));
        let previous: number | undefined;
        for (const event of events.filter((e) => e.type === 'StepStarted')) {
          if (previous !== undefined) gaps.push(at(event) - previous);
          previous = at(event);
        }
      }
      const steps = RUNS * STEPS;
      const cpuPerStep = cpuMs.map((ms) => round(ms / steps, 3));
      rows.push(
        row(`steps/s, ${suffix}`, round(steps / seconds), 'steps/s', 'in-process loop steps/s', Math.round(baselineStepsPerSecond), { runs: RUNS, steps, clients: CLIENTS, seconds: round(seconds, 2) }),
        row(`step-to-step gap p50, ${suffix}`, median(gaps), 'ms', 'in-process loop gap p50 ms', baselineGapP50, { p99: percentile(sorted(gaps), 99), max: Math.max(...gaps), samples: gaps.length }),
        row(`run creation->RunStarted p50, ${suffix}`, median(starts), 'ms', 'in-process (none)', 0, { p99: percentile(sorted(starts), 99), max: Math.max(...starts), samples: starts.length, runsInFlight: CLIENTS }),
        row(`executor CPU per no-op step, ${suffix}`, round(cpuMs.reduce((a, b) => a + b, 0) / steps, 3), 'ms', 'in-process loop CPU ms per step (wall, 1 core)', round(1000 / baselineStepsPerSecond, 3), { perExecutor: cpuPerStep.join(' / ') }),
      );

      if (TWO_STEP_REPLICAS.includes(replicas)) {
        // A 2-step no-op workflow, 1 client, then CLIENTS clients.
        const one = await closedLoop(TWO_STEP_SEQUENTIAL, 1, () => execute(executeUrl('two-noops'), token));
        check(one, `2-step, 1 client, ${suffix}`);
        const oneMs = sorted(one.map((c) => c.ms));
        const cpu2 = executors.map((e) => cpuSeconds(e.pid));
        const t0 = performance.now();
        const many = await closedLoop(TWO_STEP_CONCURRENT, CLIENTS, () => execute(executeUrl('two-noops'), token));
        const manySeconds = (performance.now() - t0) / 1000;
        const cpu2Ms = executors.reduce((sum, e, i) => sum + (cpuSeconds(e.pid) - cpu2[i]) * 1000, 0);
        check(many, `2-step, ${CLIENTS} clients, ${suffix}`);
        const manyMs = sorted(many.map((c) => c.ms));
        rows.push(
          row(`2-step no-op execute p50, 1 client, ${suffix}`, round(percentile(oneMs, 50), 2), 'ms', 'in-process 2 steps p50 ms', baselineTwoStepP50, { p99: round(percentile(oneMs, 99), 1), runs: one.length }),
          row(`2-step no-op execute runs/s, ${CLIENTS} clients, ${suffix}`, round(many.length / manySeconds), 'runs/s', 'in-process loop runs/s (2 steps)', Math.round(baselineStepsPerSecond / 2), {
            p50: round(percentile(manyMs, 50), 1),
            p99: round(percentile(manyMs, 99), 1),
            runs: many.length,
            executorCpuMsPerRun: round(cpu2Ms / many.length, 2),
          }),
        );
        // The 1-client runs hop by hop (medians, ms): where a run's time goes.
        const hops: Record<string, number[]> = {};
        const add = (hop: string, ms: number) => Number.isFinite(ms) && (hops[hop] ??= []).push(ms);
        const oneLogs = await runLogs(pool, store, new Set(one.map((c) => c.run ?? '')));
        for (const call of one) {
          const log = oneLogs.get(call.run ?? '');
          if (!log) continue;
          const created = at(log.resource.find((e) => e.type === 'ResourceCreated'));
          const terminal = at(log.resource.find((e) => e.type === 'ResourceStatusUpdated' && (e.data as { object?: Resource }).object?.status?.phase === 'Succeeded'));
          const [s1, s2] = log.run.filter((e) => e.type === 'StepStarted').map(at);
          const runStarted = at(log.run.find((e) => e.type === 'RunStarted'));
          const succeeded = at(log.run.find((e) => e.type === 'RunSucceeded'));
          add('HTTP in -> run created (committed)', created - call.startedAt);
          add('created -> RunStarted', runStarted - created);
          add('RunStarted -> StepStarted s1', s1 - runStarted);
          add('StepStarted s1 -> StepStarted s2', s2 - s1);
          add('StepStarted s2 -> RunSucceeded', succeeded - s2);
          add('RunSucceeded -> status written', terminal - succeeded);
          add('status written -> HTTP answer', call.endedAt - terminal);
          add('status writes per run', log.resource.filter((e) => e.type === 'ResourceStatusUpdated').length);
        }
        notes.push(`2-step run hop by hop, 1 client, ${suffix} (medians, ms; log transaction times, ms precision): ${Object.entries(hops).map(([hop, values]) => `${hop} ${median(values)}`).join('; ')}`);
      }
      for (const executor of executors) await executor.stop();
    }
    notes.push(
      `steps: ${RUNS} runs of ${STEPS} builtin no-op tool steps per case, executed by ${CLIENTS} clients (POST .../execute, one run at a time each); the baseline runs the same steps with executeTool in this process (no log, no queue, no status).`,
      'step-to-step gap: StepStarted of step n -> StepStarted of step n+1 from the run log (transaction times; StepSucceeded of n shares the transaction of StepStarted of n+1); the baseline is the same gap between executeTool calls of the in-process loop. run creation->RunStarted: ResourceCreated of the WorkflowRun -> RunStarted (no in-process counterpart). p99 and max in the row details.',
      'executor CPU per no-op step: utime+stime of every executor process over the steps phase (the 16 clients\' runs, creation to answer) divided by the steps; the baseline is the in-process loop\'s wall time per step.',
    );
    return { name: 'workflow-steps', description: 'workflow runs through the gateway\'s execute, the log, the JetStream work queue and 1/2/4 executors vs an in-process loop', rows, notes, failures };
  } finally {
    await cleanUp();
  }
}

if (require.main === module) runAsScript(run);
