import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { createTestDatabase, deleteTestStreams, freePort, testNatsPrefix } from '@kastra/testing';
import { percentile, row, runAsScript, type BenchReport } from './support/bench-report';
import { cleanUpOnStop } from './support/clean-up-on-stop';
import { cpuSnapshot, cpuUse, loadAverage } from './support/closed-loop';
import { startServiceProcess, type ServiceProcess } from './support/service-process';
import { watchReady } from './support/watch-ready';

/**
 * Apply-to-Ready through the real processes: api-gateway and controller-manager from dist/, LLMs
 * and Agents (referring to them) created over the REST API with bounded concurrency, Ready seen on
 * an HTTP watch. Per resource: create response -> first watch event with Ready=True. Baseline in
 * the same run: the create request's own latency.
 *
 * Auth is on as users run it: the creates carry the token of a user who is not in system:masters
 * but bound to the `edit` ClusterRole in the namespace by a RoleBinding, so every create is
 * authorized by RBAC rules (an admin token would short-cut RBAC); the watch is an admin's.
 */
const LLMS = Number(process.env.BENCH_LLMS ?? 250);
const AGENTS_PER_LLM = Number(process.env.BENCH_AGENTS_PER_LLM ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const READY_TIMEOUT_MS = 120_000;
const NAMESPACE = 'default';

/** Provider keys must not leak in from the machine (mock needs none; nothing else is created). */
const PROVIDER_KEYS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_API_KEY', 'GROQ_API_KEY', 'MOONSHOT_API_KEY', 'QWEN_API_KEY'];

interface Manifest {
  key: string;
  plural: string;
  body: Record<string, unknown>;
}

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  // LLMs first, then the Agents: the order `kubectl apply` of a sorted folder would give.
  for (let i = 0; i < LLMS; i++) {
    const name = `bench-llm-${i}`;
    out.push({ key: `LLM/${NAMESPACE}/${name}`, plural: 'llms', body: { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name }, spec: { provider: 'mock', model: 'mock-1' } } });
  }
  for (let i = 0; i < LLMS * AGENTS_PER_LLM; i++) {
    const name = `bench-agent-${i}`;
    out.push({
      key: `Agent/${NAMESPACE}/${name}`,
      plural: 'agents',
      body: {
        apiVersion: 'mastra.ai/v1',
        kind: 'Agent',
        metadata: { name, labels: { bench: 'apply-to-ready' } },
        spec: { instructions: `Benchmark agent ${i}.`, model: { ref: `bench-llm-${i % LLMS}` }, maxSteps: 3 },
      },
    });
  }
  return out;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function bounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Lets the members of `group` write in the namespace (ClusterRole edit), as an admin grants a team. */
async function bindEditor(baseUrl: string, adminToken: string, group: string): Promise<void> {
  const res = await fetch(`${baseUrl}/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bench-writers-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group }],
    }),
  });
  if (res.status !== 201) throw new Error(`RoleBinding: HTTP ${res.status} ${await res.text()}`);
}

/**
 * Per resource, from the log's timestamps: its create event to its first status event with
 * Ready=True — the controller path alone, without the watch that the bench's main figure includes.
 */
async function readyCommittedAfterCreate(pool: Pool): Promise<{ p50: number; p99: number; max: number; count: number }> {
  try {
    const { rows } = await pool.query<{ ms: number }>(`
      WITH created AS (
        SELECT stream_id, min(created_at) AS at FROM kastra_events
        WHERE category = 'resource' AND type = 'ResourceCreated' AND stream_id LIKE 'resource:%:${NAMESPACE}:bench-%' GROUP BY stream_id
      ), ready AS (
        SELECT stream_id, min(created_at) AS at FROM kastra_events
        WHERE category = 'resource' AND type = 'ResourceStatusUpdated' AND stream_id LIKE 'resource:%:${NAMESPACE}:bench-%'
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(data->'object'->'status'->'conditions') AS c WHERE c->>'type' = 'Ready' AND c->>'status' = 'True')
        GROUP BY stream_id
      )
      SELECT (extract(epoch FROM ready.at - created.at) * 1000)::float8 AS ms FROM created JOIN ready USING (stream_id)`);
    return { ...summary(rows.map((r) => r.ms)), count: rows.length };
  } finally {
    await pool.end();
  }
}

function summary(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

export async function run(): Promise<BenchReport> {
  const database = await createTestDatabase('bench_ready');
  const prefix = testNatsPrefix('bench');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-'));
  const services: ServiceProcess[] = [];
  const cleanUp = cleanUpOnStop(async () => {
    for (const service of services.reverse()) await service.stop();
    await database.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn' };
    for (const name of PROVIDER_KEYS) delete env[name];
    const [port, httpsPort, grpcPort, controllerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const gateway = await startServiceProcess('api-gateway', port, { ...env, HTTPS_PORT: String(httpsPort), GRPC_PORT: String(grpcPort) });
    services.push(gateway);
    const controllerManager = await startServiceProcess('controller-manager', controllerPort, env);
    services.push(controllerManager);
    const pids = new Map([['api-gateway', gateway.pid], ['controller-manager', controllerManager.pid]]);
    const authority = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret);
    const token = authority.issue({ sub: 'bench-admin', role: 'admin' });
    const userToken = authority.issue({ sub: 'bench-user', groups: ['bench-writers'] });
    await bindEditor(gateway.url, token, 'bench-writers');

    const watch = await watchReady(gateway.url, token, ['llms', 'agents']);
    const all = manifests();
    const created = new Map<string, number>();
    const createLatency: number[] = [];
    const cpuBefore = cpuSnapshot(pids);
    const started = performance.now();
    await bounded(all, CONCURRENCY, async (m) => {
      const sent = performance.now();
      const res = await fetch(`${gateway.url}/apis/mastra.ai/v1/namespaces/${NAMESPACE}/${m.plural}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(m.body),
      });
      const answered = performance.now();
      if (res.status !== 201) throw new Error(`create ${m.key}: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      created.set(m.key, answered);
      createLatency.push(answered - sent);
    });
    const allCreated = performance.now();
    await watch.waitFor(all.length, READY_TIMEOUT_MS);
    const allReady = performance.now();
    // CPU per resource (created and made Ready) of each process: what the machine's load moves least.
    const cpu = cpuUse(cpuBefore, cpuSnapshot(pids), all.length, (allReady - started) / 1000);
    const load = loadAverage();
    const committed = await readyCommittedAfterCreate(database.pool({ max: 1 }));
    watch.close();

    const toReady = (kind?: string) =>
      all
        .filter((m) => !kind || m.key.startsWith(`${kind}/`))
        // A Ready event can overtake the create response on a busy machine: count that as 0.
        .map((m) => Math.max(0, (watch.readyAt.get(m.key) as number) - (created.get(m.key) as number)));
    const ready = summary(toReady());
    const llms = summary(toReady('LLM'));
    const agents = summary(toReady('Agent'));
    const create = summary(createLatency);
    const seconds = (allReady - started) / 1000;
    const createSeconds = (allCreated - started) / 1000;
    const throughput = all.length / seconds;
    const createThroughput = all.length / createSeconds;
    const details = {
      resources: all.length,
      llms: LLMS,
      agents: LLMS * AGENTS_PER_LLM,
      concurrency: CONCURRENCY,
      'api-gateway CPU ms/resource': cpu.perUnitMs['api-gateway'],
      'controller-manager CPU ms/resource': cpu.perUnitMs['controller-manager'],
      'machine busy %': cpu.machineBusyPercent,
      'load average (1 min, 2 cores)': load,
    };
    return {
      name: 'apply-to-ready',
      description: `${all.length} resources (${LLMS} LLMs + ${LLMS * AGENTS_PER_LLM} Agents) created over REST, Ready seen on a watch`,
      rows: [
        row('create -> Ready p50', ready.p50, 'ms', 'create p50', create.p50, details),
        row('create -> Ready p99', ready.p99, 'ms', 'create p99', create.p99),
        row('create -> Ready max', ready.max, 'ms', 'create max', create.max),
        row('LLM create -> Ready p50', llms.p50, 'ms', 'create p50', create.p50, { p99: llms.p99, max: llms.max }),
        row('Agent create -> Ready p50', agents.p50, 'ms', 'create p50', create.p50, { p99: agents.p99, max: agents.max }),
        row('create -> Ready status committed p50 (log)', committed.p50, 'ms', 'create p50', create.p50, { p99: committed.p99, max: committed.max, resources: committed.count }),
        row('create -> Ready status committed p99 (log)', committed.p99, 'ms', 'create p99', create.p99),
        row('throughput (applied and Ready)', throughput, 'resources/s', 'creates/s', createThroughput, { seconds: Math.round(seconds * 10) / 10 }),
      ],
      notes: [
        `${CONCURRENCY} requests in flight by a user bound to edit (RBAC on every create); all created in ${createSeconds.toFixed(1)} s, all Ready after ${seconds.toFixed(1)} s.`,
        `Creates: ${createThroughput.toFixed(0)}/s, p50 ${create.p50.toFixed(1)} ms, p99 ${create.p99.toFixed(1)} ms.`,
        `CPU per resource: api-gateway ${cpu.perUnitMs['api-gateway']} ms, controller-manager ${cpu.perUnitMs['controller-manager']} ms; machine busy ${cpu.machineBusyPercent} %, load average ${load} on 2 cores (above 2: the figures measure the machine's other work too).`,
        `LLM to Ready p50/p99/max ${llms.p50.toFixed(0)}/${llms.p99.toFixed(0)}/${llms.max.toFixed(0)} ms; Agent ${agents.p50.toFixed(0)}/${agents.p99.toFixed(0)}/${agents.max.toFixed(0)} ms.`,
        'Ratio: time to Ready over the create latency alone (the API-only cost of the same resource).',
        `From the log (no watch in the way): create event -> first status event with Ready=True, p50/p99 ${committed.p50.toFixed(0)}/${committed.p99.toFixed(0)} ms over ${committed.count} resources; the rest of create -> Ready is the watch's delivery.`,
      ],
    };
  } finally {
    await cleanUp();
  }
}

if (require.main === module) runAsScript(run);
