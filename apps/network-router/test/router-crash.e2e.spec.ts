import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { NatsLlmClient } from '@kastra/agent-runtime';
import { migrate, readStream, type RecordedEvent } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, deleteTestStreams, eventually, freePort, startServiceProcess, TEST_NATS_URL, testNatsPrefix, type ServiceProcess, type TestDatabase } from '@kastra/testing';
import { SCRIPTED_ROUTE, scriptedAnswer, ScriptedRouterUpstream } from './scripted-router-upstream';

const ctx = { actor: 'user:test' };
const RUNS = 20;
const KILLS = 5;
/** Runs are created one at a time this far apart, so kills find turns in flight throughout. */
const CREATE_EVERY_MS = 1000;
const TERMINAL = ['Succeeded', 'Failed', 'Cancelled'];

interface Run {
  name: string;
  uid: string;
  stream: string;
  task: string;
}
interface Kill {
  replica: string;
  run: Run;
  step: number;
  key: string;
  at: number;
}

/** The network-router replica id is `<pid>-<random>` (run-engine newReplicaId): the process that recorded a MemberStarted. */
const pidOf = (replica: string) => Number(replica.split('-')[0]);

/** The member turn of a run in flight: its latest MemberStarted has no MemberFinished (nor a later start). */
function turnInFlight(events: RecordedEvent[]): { step: number; replica: string } | undefined {
  const started = events.filter((event) => event.type === 'MemberStarted').at(-1);
  if (!started) return undefined;
  const step = Number(started.data.step);
  const later = events.filter((event) => event.streamVersion > started.streamVersion);
  if (later.some((event) => ['MemberFinished', 'MemberFailed', 'MemberStarted'].includes(event.type) || TERMINAL.some((t) => event.type === `NetworkRun${t}`))) return undefined;
  return { step, replica: String(started.data.replica) };
}

describe('network-router replicas killed with -9 while runs are routed (through a real llm-proxy and a scripted upstream)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let prefix: string;
  let home: string;
  let nc: NatsConnection;
  let upstream: ScriptedRouterUpstream;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('nwcrash');
    pool = db.pool({ max: 5 });
    await migrate(pool);
    home = mkdtempSync(path.join(tmpdir(), 'kastra-nwcrash-'));
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    prefix = testNatsPrefix('nwcrash');
    nc = await connect({ servers: TEST_NATS_URL });
    // Members answer after 0.6–2 s: long enough for kills to land while they are open.
    upstream = await ScriptedRouterUpstream.start(() => 600 + Math.floor(Math.random() * 1400));
  });

  afterAll(async () => {
    for (const service of services) await service.stop().catch(() => undefined);
    await nc?.close();
    await upstream?.close();
    await store?.close();
    await db?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('every run ends Succeeded with the scripted route; no decision was asked again and no finished member turn was requested twice', async () => {
    // Given a network of two agents on an OpenAI-compatible model the test scripts, behind an llm-proxy
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'LLM', metadata: { name: 'scripted', namespace: 'default' }, spec: { provider: 'openai-compatible', model: 'scripted-1', options: { baseURL: upstream.baseUrl } } }, ctx);
    for (const name of ['researcher', 'writer']) {
      await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Agent', metadata: { name, namespace: 'default' }, spec: { instructions: `You are ${name}.`, model: { ref: 'scripted' } } }, ctx);
    }
    await store.create(
      { apiVersion: API_GROUP_VERSION, kind: 'Network', metadata: { name: 'research', namespace: 'default' }, spec: { agents: [{ name: 'researcher' }, { name: 'writer' }], router: { model: { ref: 'scripted' } } } },
      ctx,
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      LOG_LEVEL: 'warn',
      KASTRA_ROUTER_ACK_WAIT_MS: '1500',
      KASTRA_ROUTER_RECOVERY_MS: '2000',
      // A turn may be hit by more than one kill; it must still end, not fail RouterCrashed.
      KASTRA_ROUTER_MAX_CRASHES: '20',
      // The scripted upstream listens on loopback: the operator opens it.
      KASTRA_EGRESS_ALLOW: `127.0.0.1:${upstream.port}`,
    };
    services.push(await startServiceProcess('llm-proxy', await freePort(), env));
    const live = new Map<number, ServiceProcess>();
    const startReplica = async () => {
      const replica = await startServiceProcess('network-router', await freePort(), env);
      services.push(replica);
      live.set(replica.pid, replica);
    };
    await Promise.all([startReplica(), startReplica(), startReplica()]);
    // The proxy knows the model once it has mirrored the LLM resource (the routers' event relay publishes it).
    const llm = new NatsLlmClient({ nc, prefix, timeoutMs: 5000 });
    await eventually(async () => (await llm.chat({ model: 'default.scripted', messages: [{ role: 'user', content: 'ping' }] }, { user: 'e2e', idempotencyKey: 'ping' }).then(() => true).catch(() => false)) || undefined, 30_000, 250);

    // When 20 runs are created and, at random moments, the replica running a member turn (its
    // MemberStarted has no result, its model call is open at the upstream) is killed with -9 and replaced
    const runs: Run[] = [];
    const creating = (async () => {
      for (let i = 0; i < RUNS; i++) {
        const name = `run-${i}`;
        const task = `task number ${i}`;
        const created = await store.create({ apiVersion: API_GROUP_VERSION, kind: 'NetworkRun', metadata: { name, namespace: 'default' }, spec: { networkRef: 'research', message: task } }, ctx);
        const uid = created.metadata.uid!;
        runs.push({ name, uid, task, stream: `networkrun:default:${name}:${uid}` });
        await new Promise((resolve) => setTimeout(resolve, CREATE_EVERY_MS));
      }
    })();
    const replacements: Array<Promise<void>> = [];
    const phaseOf = async (run: Run) => (await store.get({ kind: 'NetworkRun', namespace: 'default', name: run.name }))?.status?.phase;
    const kills: Kill[] = [];
    for (let k = 0; k < KILLS; k++) {
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.floor(Math.random() * 1500)));
      // The candidates are found across several awaits (a read of each run's stream): a call seen
      // open early may have been answered since. It is checked again with nothing in between
      // before the kill, so the kill always lands while the call is open.
      const pickVictim = () => eventually(async () => {
        const candidates: Array<{ run: Run; step: number; replica: string; key: string }> = [];
        // Never the last live replica: the runs must go on while replacements start.
        if (live.size < 2) return undefined;
        for (const run of runs) {
          const inFlight = turnInFlight(await readStream(pool, run.stream));
          if (!inFlight || !live.has(pidOf(inFlight.replica))) continue;
          const key = `${run.uid}:member:${inFlight.step}:model:1`;
          if (upstream.isOpen(key)) candidates.push({ run, ...inFlight, key });
        }
        return candidates.length > 0 ? candidates[Math.floor(Math.random() * candidates.length)] : undefined;
      }, 30_000, 20).catch(async (error: unknown) => {
        // Say what the runs and the upstream were doing instead.
        const phases = await Promise.all(runs.map(async (run) => `${run.name}: ${JSON.stringify((await store.get({ kind: 'NetworkRun', namespace: 'default', name: run.name }))?.status?.error ?? (await store.get({ kind: 'NetworkRun', namespace: 'default', name: run.name }))?.status?.phase)}`));
        throw new Error(`${String(error)}\nruns: ${phases.join('; ')}\nupstream keys: ${upstream.calls.slice(-10).map((c) => c.key).join(', ')}\nlogs: ${services.map((s) => s.logs().slice(-1500)).join('\n---\n')}`);
      });
      let victim = await pickVictim();
      while (!upstream.isOpen(victim.key)) victim = await pickVictim();
      process.kill(pidOf(victim.replica), 'SIGKILL');
      kills.push({ replica: victim.replica, run: victim.run, step: victim.step, key: victim.key, at: Date.now() });
      live.delete(pidOf(victim.replica));
      replacements.push(startReplica());
    }
    await creating;
    await Promise.all(replacements);
    await eventually(async () => (await Promise.all(runs.map(phaseOf))).every((phase) => TERMINAL.includes(String(phase))) || undefined, 120_000, 250);

    // Then every run succeeded with the scripted route and the model's final answer
    for (const run of runs) {
      const resource = (await store.get({ kind: 'NetworkRun', namespace: 'default', name: run.name })) as Resource;
      expect({ run: run.name, phase: resource.status?.phase, output: resource.status?.output, route: (resource.status?.route as Array<{ agent: string }>).map((r) => r.agent) }).toEqual({
        run: run.name,
        phase: 'Succeeded',
        output: scriptedAnswer(run.task),
        route: SCRIPTED_ROUTE,
      });
    }
    // and each kill hit a member turn in flight on the killed replica: its call was open, and
    // another replica started the turn again and recorded its result
    expect(kills).toHaveLength(KILLS);
    for (const kill of kills) {
      const events = (await readStream(pool, kill.run.stream)).filter((event) => event.data.step === kill.step);
      const killedStart = events.findIndex((event) => event.type === 'MemberStarted' && event.data.replica === kill.replica);
      const nextStart = events.findIndex((event, i) => i > killedStart && event.type === 'MemberStarted');
      const finished = events.findIndex((event) => event.type === 'MemberFinished');
      expect({ kill: kill.key, killedStart: killedStart >= 0, restartedBeforeResult: nextStart > killedStart && nextStart < finished }).toEqual({ kill: kill.key, killedStart: true, restartedBeforeResult: true });
      expect(events[nextStart].data.replica).not.toBe(kill.replica);
      const calls = upstream.callsOf(kill.key);
      expect({ key: kill.key, before: calls.some((call) => call.at < kill.at), after: calls.some((call) => call.at > kill.at) }).toEqual({ key: kill.key, before: true, after: true });
    }
    // and no recorded decision was asked again, no finished member turn requested again: every
    // call of a step came before its result, a member turn at most once per start before it
    for (const run of runs) {
      const events = await readStream(pool, run.stream);
      const decisions = events.filter((event) => event.type === 'RouteDecided');
      expect({ run: run.name, steps: decisions.map((d) => d.data.step) }).toEqual({ run: run.name, steps: [1, 2, 3, 4] });
      for (const decided of decisions) {
        const late = upstream.callsOf(`${run.uid}:route:${decided.data.step}:`).filter((call) => call.at > Date.parse(decided.createdAt));
        expect({ run: run.name, step: decided.data.step, routerCallsAfterDecision: late.length }).toEqual({ run: run.name, step: decided.data.step, routerCallsAfterDecision: 0 });
      }
      for (const step of [1, 2, 3]) {
        const ofStep = events.filter((event) => event.data.step === step);
        const finished = ofStep.filter((event) => event.type === 'MemberFinished');
        expect({ run: run.name, step, finished: finished.length }).toEqual({ run: run.name, step, finished: 1 });
        const starts = ofStep.filter((event) => event.type === 'MemberStarted' && event.streamVersion < finished[0].streamVersion).length;
        const calls = upstream.callsOf(`${run.uid}:member:${step}:`);
        expect({ run: run.name, step, calledAfterResult: calls.filter((call) => call.at > Date.parse(finished[0].createdAt)).length }).toEqual({ run: run.name, step, calledAfterResult: 0 });
        expect({ run: run.name, step, calls: calls.length >= 1 && calls.length <= starts }).toEqual({ run: run.name, step, calls: true });
      }
    }
    // and nothing called the model with a key that is not a run's routing call or member turn
    const known = new RegExp(`^(ping|(${runs.map((run) => run.uid).join('|')}):(route:[1-4]:1|member:[1-3]:model:1))$`);
    expect(upstream.calls.filter((call) => !known.test(call.key)).map((call) => call.key)).toEqual([]);
  }, 200_000);
});
