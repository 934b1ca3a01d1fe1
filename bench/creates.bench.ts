import * as os from 'node:os';
import type { Pool } from 'pg';
import { row, runAsScript, type BenchReport } from './support/bench-report';
import { closedLoop, loadAverage, cpuSnapshot, cpuUse, errorsOf, figuresOf, post, round2, type PhaseFigures } from './support/closed-loop';
import type { Sample } from './support/http-load';
import { startBenchStack, type BenchStack } from './support/kastra-stack';

/**
 * Creates over the REST API as a user makes them: the stack's services from dist/ (api-gateway,
 * controller-manager reconciling what is created, workflow-executor, llm-proxy; JWT auth on), a
 * small Tool (builtin current-time: a ConfigMap-sized object that needs no upstream) POSTed
 * with a real bearer token, 16 in flight (closed loop), each with a name of its own. Each
 * service's CPU per create.
 *
 * Baseline in the same run, interleaved round by round with the creates: single-row INSERTs of
 * the same JSON into a plain table (bigserial key, unique name, jsonb) of the bench's database, 16
 * in flight on 16 connections — what Postgres itself allows at the same concurrency.
 */
const CONCURRENCY = Number(process.env.BENCH_CREATES_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_CREATES_ROUNDS ?? 3);
const CREATE_SECONDS = Number(process.env.BENCH_CREATES_SECONDS ?? 8);
const INSERT_SECONDS = Number(process.env.BENCH_CREATES_INSERT_SECONDS ?? 3);
/** The issue's target: >= 1,000 creates/s with 16 in flight. */
const TARGET_RATE = 1000;

function tool(name: string): Record<string, unknown> {
  return { apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name, namespace: 'default', labels: { bench: 'creates' } }, spec: { builtin: 'current-time', description: 'a small object of the bench' } };
}

async function insertOne(pool: Pool, name: string): Promise<Sample> {
  const scheduledAt = performance.now();
  try {
    await pool.query('INSERT INTO bench_plain (name, body) VALUES ($1, $2)', [name, JSON.stringify(tool(name))]);
    return { scheduledAt, sentAt: scheduledAt, ms: performance.now() - scheduledAt, ok: true };
  } catch (error) {
    return { scheduledAt, sentAt: scheduledAt, ms: performance.now() - scheduledAt, ok: false, failure: (error as Error).message };
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function run(): Promise<BenchReport> {
  const loadAtStart = loadAverage();
  const failures: string[] = [];
  let stack: BenchStack | undefined;
  try {
    stack = await startBenchStack('benchcreates');
    // Idle connections are kept (pg closes them after 10 s by default): a phase never waits on connecting.
    const pool = stack.database.pool({ max: CONCURRENCY, idleTimeoutMillis: 0 });
    await pool.query('CREATE TABLE bench_plain (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    const url = `${stack.gatewayUrl}/apis/mastra.ai/v1/namespaces/default/tools`;
    const headers = { authorization: `Bearer ${stack.token}` };
    let next = 0;
    const create = () => {
      const name = `bench-tool-${next++}`;
      return post(url, JSON.stringify(tool(name)), headers);
    };
    let inserted = 0;
    const insert = () => insertOne(pool, `row-${inserted++}`);
    await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.query('SELECT 1')));

    // Warm-up: the gateway's first creates (JIT, pools), the table's first inserts.
    const warm = [...(await closedLoop(create, CONCURRENCY, { count: 200 })).samples, ...(await closedLoop(insert, CONCURRENCY, { count: 200 })).samples];
    if (warm.some((s) => !s.ok)) failures.push(`warm-up: ${warm.filter((s) => !s.ok).length} of ${warm.length} failed (${errorsOf(warm)})`);

    const pids = new Map([...stack.services].map(([name, service]) => [name, service.pid]));
    const rounds: Array<{ creates: PhaseFigures; inserts: PhaseFigures; cpu: ReturnType<typeof cpuUse> }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = cpuSnapshot(pids);
      const created = await closedLoop(create, CONCURRENCY, { seconds: CREATE_SECONDS });
      const creates = figuresOf(created.samples, created.seconds);
      const cpu = cpuUse(before, cpuSnapshot(pids), creates.calls - creates.errors, created.seconds);
      const insertedPhase = await closedLoop(insert, CONCURRENCY, { seconds: INSERT_SECONDS });
      const inserts = figuresOf(insertedPhase.samples, insertedPhase.seconds);
      if (creates.errors > 0) failures.push(`round ${round + 1}: ${creates.errors} of ${creates.calls} creates failed (${errorsOf(created.samples)})`);
      if (inserts.errors > 0) failures.push(`round ${round + 1}: ${inserts.errors} of ${inserts.calls} inserts failed (${errorsOf(insertedPhase.samples)})`);
      rounds.push({ creates, inserts, cpu });
    }
    // Every create answered 201 is there: the count of Tools the gateway lists.
    const listed = (await fetch(`${url}?labelSelector=bench%3Dcreates`, { headers }).then((r) => r.json())) as { items?: unknown[] };
    const okCreates = rounds.reduce((sum, r) => sum + r.creates.calls - r.creates.errors, 0) + warm.slice(0, 200).filter((s) => s.ok).length;
    if ((listed.items?.length ?? 0) !== okCreates) failures.push(`the gateway lists ${listed.items?.length ?? 0} bench Tools, ${okCreates} creates were answered 201`);

    const med = (pick: (r: (typeof rounds)[number]) => number) => round2(median(rounds.map(pick)));
    const each = (pick: (r: (typeof rounds)[number]) => number) => rounds.map((r) => round2(pick(r))).join(' / ');
    const cpuPerCreate = Object.fromEntries(Object.keys(rounds[0].cpu.perUnitMs).map((name) => [`${name} CPU ms/create`, med((r) => r.cpu.perUnitMs[name])]));
    const corePercent = Object.fromEntries(Object.keys(rounds[0].cpu.corePercent).map((name) => [`${name} % of a core`, med((r) => r.cpu.corePercent[name])]));
    const rate = med((r) => r.creates.perSecond);
    return {
      name: 'creates',
      description: `creates over REST (Tool, auth on, ${CONCURRENCY} in flight) vs single-row INSERTs into a plain table on ${CONCURRENCY} connections, interleaved rounds`,
      rows: [
        row(`creates/s, ${CONCURRENCY} in flight`, rate, 'creates/s', 'INSERTs/s', med((r) => r.inserts.perSecond), {
          perRound: each((r) => r.creates.perSecond),
          insertsPerRound: each((r) => r.inserts.perSecond),
          creates: rounds.reduce((sum, r) => sum + r.creates.calls, 0),
          ...cpuPerCreate,
          ...corePercent,
          'machine busy %': med((r) => r.cpu.machineBusyPercent),
        }),
        row('create p50', med((r) => r.creates.p50), 'ms', 'INSERT p50', med((r) => r.inserts.p50), { perRound: each((r) => r.creates.p50) }),
        row('create p99', med((r) => r.creates.p99), 'ms', 'INSERT p99', med((r) => r.inserts.p99), { perRound: each((r) => r.creates.p99), max: Math.max(...rounds.map((r) => r.creates.max)) }),
      ],
      notes: [
        `target: >= ${TARGET_RATE} creates/s with ${CONCURRENCY} in flight -> ${rate}/s ${rate >= TARGET_RATE ? 'MET' : 'MISSED'} (${round2(rate / med((r) => r.inserts.perSecond))}x of raw INSERT)`,
        `${ROUNDS} rounds of ${CREATE_SECONDS} s of creates then ${INSERT_SECONDS} s of INSERTs (medians of the rounds; per round in the details). CPU per create (ms): ${Object.entries(cpuPerCreate).map(([n, v]) => `${n.replace(' CPU ms/create', '')} ${v}`).join(', ')}; Postgres and NATS are shared with other work on the machine and not counted.`,
        `load average (1 min) at start / end: ${loadAtStart} / ${loadAverage()} on ${os.cpus().length} cores (above the core count, work waited for a CPU: absolute figures are the machine's as much as Kastra's).`,
      ],
      failures,
    };
  } finally {
    if (stack) for (const line of stack.problems()) console.error(`  service log: ${line}`);
    await stack?.stop();
  }
}

if (require.main === module) runAsScript(run);
