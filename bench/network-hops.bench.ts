import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { connect } from '@nats-io/transport-node';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { NatsLlmClient } from '@kastra/agent-runtime';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { EventStore, readStream } from '@kastra/event-store';
import { createTestDatabase, deleteTestStreams, freePort, testNatsPrefix } from '@kastra/testing';
import { percentile, row, runAsScript, type BenchReport } from './support/bench-report';
import { cleanUpOnStop } from './support/clean-up-on-stop';
import { startServiceProcess, type ServiceProcess } from './support/service-process';

/**
 * The network-router's own cost per hop. NetworkRuns of a 3-member network (agents on the mock
 * provider, router on the mock provider's deterministic router mode) are created over the REST
 * API and run by a network-router process from dist/, every model call through the real llm-proxy
 * (auth, registry, usage events), as `npm start` runs them. From each run's log (transaction
 * times): the hop, MemberFinished of turn n -> MemberStarted of turn n+1 (one routing model call,
 * its decision recorded, the member started); its parts, MemberFinished -> RouteDecided (the
 * routing call and its append) and RouteDecided -> MemberStarted (starting the member).
 * Baseline in the same run: the same routing request (route JSON schema, same mock model, an
 * idempotency key and a run uid) sent from this process to the llm-proxy over NATS request/reply
 * as the router sends it, sequentially — the model call itself; and over HTTP for comparison.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const MODEL_DELAY_MS = Number(process.env.BENCH_MODEL_DELAY_MS ?? 0);
const RUN_TIMEOUT_MS = Number(process.env.BENCH_RUN_TIMEOUT_MS ?? 120_000);
const MEMBERS = ['search', 'analysis', 'summary'];

async function bounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

function manifest(kind: string, name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: API_GROUP_VERSION, kind, metadata: { name, namespace: 'default' }, spec };
}

/** The routing request the router sends: the route schema with the members' enum. */
function routingRequest(model: string): string {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['next', 'input', 'reason', 'answer'],
    properties: { next: { type: 'string', enum: [...MEMBERS, 'done'] }, input: { type: 'string' }, reason: { type: 'string' }, answer: { type: 'string' } },
  };
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You route a task between members: search, analysis, summary.' },
      { role: 'user', content: 'research the history of tea' },
    ],
    response_format: { type: 'json_schema', json_schema: { name: 'route', strict: true, schema } },
  });
}

export async function run(): Promise<BenchReport> {
  const db = await createTestDatabase('benchnwhops');
  const prefix = testNatsPrefix('benchnw');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-nw-'));
  const pool = new Pool({ connectionString: db.url, max: 4 });
  const services: ServiceProcess[] = [];
  const cleanUp = cleanUpOnStop(async () => {
    for (const service of services.reverse()) await service.stop();
    await pool.end();
    await db.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn' };
    const gateway = await startServiceProcess('api-gateway', await freePort(), { ...env, HTTPS_PORT: String(await freePort()), GRPC_PORT: String(await freePort()) });
    services.push(gateway);
    const [proxy, router] = await Promise.all([startServiceProcess('llm-proxy', await freePort(), env), startServiceProcess('network-router', await freePort(), env)]);
    services.push(proxy, router);
    const token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'bench', role: 'admin' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const create = async (resource: Resource) => {
      const plural = `${resource.kind.toLowerCase()}s`;
      const res = await fetch(`${gateway.url}/apis/mastra.ai/v1/namespaces/default/${plural}`, { method: 'POST', headers, body: JSON.stringify(resource) });
      if (res.status !== 201) throw new Error(`creating ${resource.kind} ${resource.metadata.name}: HTTP ${res.status} ${await res.text()}`);
    };

    await create(manifest('LLM', 'bench-mock', { provider: 'mock', model: 'mock-1', options: { delayMs: MODEL_DELAY_MS } }));
    for (const member of MEMBERS) await create(manifest('Agent', member, { instructions: `You do the ${member}.`, model: { ref: 'bench-mock' } }));
    await create(manifest('Network', 'research', { instructions: 'Search, analyse, summarise.', agents: MEMBERS.map((name) => ({ name })), router: { model: { ref: 'bench-mock' }, maxSteps: 5 } }));

    // Baseline: the routing call itself, straight to the llm-proxy, once the registry knows the LLM.
    const body = routingRequest('default.bench-mock');
    const call = async () => {
      const started = performance.now();
      const res = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`baseline call: HTTP ${res.status} ${text.slice(0, 300)}`);
      return performance.now() - started;
    };
    const warmDeadline = Date.now() + 30_000;
    for (;;) {
      try {
        await call();
        break;
      } catch (error) {
        if (Date.now() > warmDeadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    for (let i = 0; i < 20; i++) await call();
    const modelCalls: number[] = [];
    for (let i = 0; i < RUNS * MEMBERS.length; i++) modelCalls.push(await call());
    modelCalls.sort((a, b) => a - b);
    // The same call over NATS request/reply, the way the network-router makes it.
    const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    const natsCalls: number[] = [];
    try {
      const client = new NatsLlmClient({ nc, prefix });
      const request = JSON.parse(body) as Parameters<NatsLlmClient['chat']>[0];
      for (let i = 0; i < RUNS * MEMBERS.length + 20; i++) {
        const t0 = performance.now();
        await client.chat(request, { user: 'bench', idempotencyKey: `bench:route:${i}:1`, runUid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` });
        if (i >= 20) natsCalls.push(performance.now() - t0);
      }
    } finally {
      await nc.close();
    }
    natsCalls.sort((a, b) => a - b);
    // One event appended to a stream of its own, sequentially: what each of a hop's appends costs here.
    const events = new EventStore(pool);
    const appends: number[] = [];
    for (let i = 0; i < RUNS * MEMBERS.length + 20; i++) {
      const t0 = performance.now();
      await events.append(`benchhop:default:append:${i}`, [{ type: 'RouteDecided', data: { step: 1, next: 'search', input: 'x', reason: 'y', answer: '' } }] as never, { expectedVersion: 0, metadata: { actor: 'user:bench' } });
      if (i >= 20) appends.push(performance.now() - t0);
    }
    appends.sort((a, b) => a - b);

    // The runs, RUNS of them, CONCURRENCY creations in flight, each ending after 3 member turns.
    const names = Array.from({ length: RUNS }, (_, i) => `hops-${i}`);
    const started = performance.now();
    await bounded(names, CONCURRENCY, async (name) => {
      await create({ apiVersion: API_GROUP_VERSION, kind: 'NetworkRun', metadata: { name, namespace: 'default' }, spec: { networkRef: 'research', message: `research topic ${name}` } });
    });
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    let runs: Resource[] = [];
    for (;;) {
      const res = await fetch(`${gateway.url}/apis/mastra.ai/v1/namespaces/default/networkruns`, { headers });
      runs = ((await res.json()) as { items: Resource[] }).items.filter((r) => r.metadata.name.startsWith('hops-'));
      if (runs.length === RUNS && runs.every((r) => ['Succeeded', 'Failed', 'Cancelled'].includes(String(r.status?.phase)))) break;
      if (Date.now() > deadline) throw new Error(`runs did not end within ${RUN_TIMEOUT_MS / 1000}s: ${runs.map((r) => String(r.status?.phase ?? 'none')).join(',')}\n${router.logs().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const failures: string[] = [];
    const failed = runs.filter((r) => r.status?.phase !== 'Succeeded');
    if (failed.length > 0) failures.push(`${failed.length} of ${RUNS} runs did not succeed, e.g. ${JSON.stringify(failed[0].status?.error ?? failed[0].status?.phase)}`);

    const hops: number[] = [];
    const decisions: number[] = [];
    const memberStarts: number[] = [];
    const memberTurns: number[] = [];
    for (const r of runs) {
      const events = await readStream(pool, `networkrun:default:${r.metadata.name}:${r.metadata.uid}`);
      const at = (event: { createdAt: string }) => Date.parse(event.createdAt);
      const route = events.filter((e) => e.type === 'MemberStarted').map((e) => (e.data as { member: string }).member);
      if (r.status?.phase === 'Succeeded' && route.join(',') !== MEMBERS.join(',')) failures.push(`run ${r.metadata.name} took the route ${route.join(',')}, not ${MEMBERS.join(',')}`);
      let finished: number | undefined;
      let decided: number | undefined;
      let memberStarted: number | undefined;
      for (const event of events) {
        if (event.type === 'MemberStarted') memberStarted = at(event);
        if (event.type === 'MemberFinished' && memberStarted !== undefined) memberTurns.push(at(event) - memberStarted);
        if (event.type === 'MemberFinished') finished = at(event);
        if (event.type === 'RouteDecided' && finished !== undefined) {
          decided = at(event);
          decisions.push(decided - finished);
        }
        if (event.type === 'MemberStarted' && finished !== undefined && decided !== undefined) {
          hops.push(at(event) - finished);
          memberStarts.push(at(event) - decided);
          finished = undefined;
          decided = undefined;
        }
      }
    }
    for (const list of [hops, decisions, memberStarts, memberTurns]) list.sort((a, b) => a - b);
    const modelP50 = Math.round(percentile(natsCalls, 50) * 100) / 100;
    const httpP50 = Math.round(percentile(modelCalls, 50) * 100) / 100;
    const rows = [
      row('hop p50 (member result -> next member start)', percentile(hops, 50), 'ms', 'routing model call over NATS p50 ms', modelP50, { p99: percentile(hops, 99), max: hops.at(-1) ?? 0, samples: hops.length }),
      row('member result -> RouteDecided p50', percentile(decisions, 50), 'ms', 'routing model call over NATS p50 ms', modelP50, { p99: percentile(decisions, 99), samples: decisions.length }),
      row('RouteDecided -> MemberStarted p50', percentile(memberStarts, 50), 'ms', 'routing model call over NATS p50 ms', modelP50, { p99: percentile(memberStarts, 99), samples: memberStarts.length }),
      row('member turn p50 (MemberStarted -> MemberFinished)', percentile(memberTurns, 50), 'ms', 'routing model call over NATS p50 ms', modelP50, { p99: percentile(memberTurns, 99), samples: memberTurns.length }),
      row('routing model call over HTTP p50', httpP50, 'ms', 'routing model call over NATS p50 ms', modelP50, { p99: Math.round(percentile(modelCalls, 99) * 100) / 100, samples: modelCalls.length, natsP99: Math.round(percentile(natsCalls, 99) * 100) / 100 }),
      row('event append p50 (1 event, sequential)', Math.round(percentile(appends, 50) * 100) / 100, 'ms', 'routing model call over NATS p50 ms', modelP50, { p99: Math.round(percentile(appends, 99) * 100) / 100, samples: appends.length }),
      row('network runs/s', Math.round((RUNS / seconds) * 10) / 10, 'runs/s', 'routing model calls/s over NATS, sequential', Math.round(1000 / modelP50), { runs: RUNS, concurrency: CONCURRENCY, seconds: Math.round(seconds * 100) / 100 }),
    ];
    return {
      name: 'network-hops',
      description: "the network-router's overhead per hop (member result -> next member start) vs the routing model call itself through the llm-proxy",
      rows,
      notes: [
        `${RUNS} NetworkRuns of a 3-member network (mock provider, delayMs ${MODEL_DELAY_MS}), ${CONCURRENCY} creations in flight, one network-router, llm-proxy, api-gateway from dist/; ${hops.length} hops measured.`,
        'Times of the run log are transaction times in ms. A hop holds one routing model call (NATS request to the llm-proxy, the mock answers), its RouteDecided append, and the MemberStarted append; the baseline is the same routing request over NATS (and HTTP) to the llm-proxy, sequential, from this process.',
      ],
      failures,
    };
  } finally {
    await cleanUp();
  }
}

if (require.main === module) runAsScript(run);
