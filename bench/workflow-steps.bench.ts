import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { executeTool } from '@kastra/agent-runtime';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { migrate, readStream } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { createTestDatabase, deleteTestStreams, freePort, testNatsPrefix } from '@kastra/testing';
import { percentile, row, runAsScript, type BenchReport } from './support/bench-report';
import { cleanUpOnStop } from './support/clean-up-on-stop';
import { startServiceProcess, type ServiceProcess } from './support/service-process';

/**
 * Workflow steps per second through the whole system: runs created over the gateway's REST API,
 * executed by 1, 2 and 4 workflow-executor processes from dist/ (JetStream work queue, advisory
 * lock per run, every transition an event), status written back. Each run is a chain of no-op
 * tool steps (builtin current-time). Latencies come from the logs' createdAt (transaction time):
 * the step-to-step gap, StepStarted of step n -> StepStarted of step n+1 (StepSucceeded of n is
 * appended in the same transaction as StepStarted of n+1, so "StepSucceeded -> next StepStarted"
 * would read 0; the no-op call itself takes ~1 ms of the gap), and run creation -> RunStarted
 * (ResourceCreated of the WorkflowRun -> RunStarted: relay, resource-event consumer, work queue,
 * lock, first append).
 * Baseline in the same run: the same runs and steps through a plain in-process loop.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const REPLICAS = (process.env.BENCH_REPLICAS ?? '1,2,4').split(',').map(Number);
const CONCURRENCY = 8;
const RUN_TIMEOUT_MS = Number(process.env.BENCH_RUN_TIMEOUT_MS ?? 90_000);

const ctx = { actor: 'user:bench' };

async function bounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

export async function run(): Promise<BenchReport> {
  const db = await createTestDatabase('benchwfsteps');
  const prefix = testNatsPrefix('benchwf');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-wf-'));
  const pool = new Pool({ connectionString: db.url, max: 4 });
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
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn' };
    const gateway = await startServiceProcess('api-gateway', await freePort(), { ...env, HTTPS_PORT: String(await freePort()), GRPC_PORT: String(await freePort()) });
    services.push(gateway);
    const token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'bench', role: 'admin' });

    const tool: Resource = { apiVersion: API_GROUP_VERSION, kind: 'Tool', metadata: { name: 'noop', namespace: 'default' }, spec: { builtin: 'current-time', description: 'no-op' } };
    await store.create(tool, ctx);
    const steps = Array.from({ length: STEPS }, (_, i) => ({ id: `s${i + 1}`, tool: 'noop', input: {} }));
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Workflow', metadata: { name: 'noops', namespace: 'default' }, spec: { steps } }, ctx);

    // Baseline: the same runs' steps in a plain loop in this process (runs concurrently, steps in order).
    const baselineStart = performance.now();
    const baselineGaps: number[] = [];
    await bounded(Array.from({ length: RUNS }, (_, i) => i), CONCURRENCY, async () => {
      let previous = performance.now();
      for (let s = 0; s < STEPS; s++) {
        await executeTool(tool, {}, { secrets: async () => undefined });
        const now = performance.now();
        if (s > 0) baselineGaps.push(now - previous);
        previous = now;
      }
    });
    const baselineStepsPerSecond = (RUNS * STEPS) / ((performance.now() - baselineStart) / 1000);
    baselineGaps.sort((a, b) => a - b);
    const baselineGapP50 = Math.round(percentile(baselineGaps, 50) * 100) / 100;

    const rows = [];
    const notes: string[] = [];
    for (const replicas of REPLICAS) {
      const executors = await Promise.all(Array.from({ length: replicas }, async () => startServiceProcess('workflow-executor', await freePort(), env)));
      services.push(...executors);
      const names = Array.from({ length: RUNS }, (_, i) => `r${replicas}-${i}`);
      const started = performance.now();
      await bounded(names, CONCURRENCY, async (name) => {
        const res = await fetch(`${gateway.url}/apis/mastra.ai/v1/namespaces/default/workflowruns`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', metadata: { name }, spec: { workflowRef: 'noops', input: {} } }),
        });
        if (res.status !== 201) throw new Error(`creating run ${name}: HTTP ${res.status} ${await res.text()}`);
      });
      // Done when every run has ended (status written by the executors).
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      let runs: Resource[] = [];
      for (;;) {
        runs = (await store.list({ kind: 'WorkflowRun', namespace: 'default', labelSelector: undefined })).items.filter((r) => r.metadata.name.startsWith(`r${replicas}-`));
        if (runs.length === RUNS && runs.every((r) => ['Succeeded', 'Failed', 'Cancelled'].includes(String(r.status?.phase)))) break;
        if (Date.now() > deadline) {
          const phases = runs.map((r) => String(r.status?.phase ?? 'none')).join(',');
          throw new Error(`runs with ${replicas} replica(s) did not end within ${RUN_TIMEOUT_MS / 1000}s (${runs.length} runs: ${phases})\n${executors[0].logs().slice(-2000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const seconds = (performance.now() - started) / 1000;
      const failed = runs.filter((r) => r.status?.phase !== 'Succeeded').length;
      if (failed > 0) throw new Error(`${failed} run(s) did not succeed with ${replicas} replica(s): ${JSON.stringify(runs.find((r) => r.status?.phase !== 'Succeeded')?.status?.error)}`);

      // Step-to-step gaps and creation-to-start latencies of every run, from the logs.
      const gaps: number[] = [];
      const starts: number[] = [];
      for (const r of runs) {
        const events = await readStream(pool, `run:default:${r.metadata.name}:${r.metadata.uid}`);
        const created = (await readStream(pool, `resource:WorkflowRun:default:${r.metadata.name}`)).find((event) => event.type === 'ResourceCreated');
        const runStarted = events.find((event) => event.type === 'RunStarted');
        if (created && runStarted) starts.push(Date.parse(runStarted.createdAt) - Date.parse(created.createdAt));
        let previousEnd: number | undefined;
        for (const event of events) {
          if (event.type === 'StepStarted' && previousEnd !== undefined) gaps.push(Date.parse(event.createdAt) - previousEnd);
          if (event.type === 'StepStarted') previousEnd = Date.parse(event.createdAt);
        }
      }
      gaps.sort((a, b) => a - b);
      starts.sort((a, b) => a - b);
      const stepsPerSecond = (RUNS * STEPS) / seconds;
      const suffix = `${replicas} executor${replicas > 1 ? 's' : ''}`;
      rows.push(
        row(`steps/s, ${suffix}`, Math.round(stepsPerSecond * 10) / 10, 'steps/s', 'in-process loop steps/s', Math.round(baselineStepsPerSecond), {
          runs: RUNS,
          steps: RUNS * STEPS,
          seconds: Math.round(seconds * 100) / 100,
        }),
        row(`step-to-step gap p50, ${suffix}`, percentile(gaps, 50), 'ms', 'in-process loop gap p50 ms', baselineGapP50, { p99: percentile(gaps, 99), max: gaps.at(-1) ?? 0, samples: gaps.length }),
        row(`run creation->RunStarted p50, ${suffix}`, percentile(starts, 50), 'ms', 'in-process (none)', 0, { p99: percentile(starts, 99), max: starts.at(-1) ?? 0, samples: starts.length }),
      );
      for (const executor of executors) await executor.stop();
    }
    notes.push(
      `${RUNS} runs of ${STEPS} builtin no-op tool steps per case, ${CONCURRENCY} run creations in flight; the baseline runs the same steps with executeTool in this process (no log, no queue, no status).`,
      'step-to-step gap: StepStarted of step n -> StepStarted of step n+1 from the run log (transaction times; StepSucceeded of n shares the transaction of StepStarted of n+1); the baseline is the same gap between executeTool calls of the in-process loop. run creation->RunStarted: ResourceCreated of the WorkflowRun -> RunStarted (no in-process counterpart). p99 and max in the row details.',
    );
    return { name: 'workflow-steps', description: 'workflow steps/s through gateway, log, JetStream work queue and 1/2/4 executors vs an in-process loop', rows, notes };
  } finally {
    await cleanUp();
  }
}

if (require.main === module) runAsScript(run);
