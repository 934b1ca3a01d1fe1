import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { migrate, readStream, type RecordedEvent } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, deleteTestStreams, eventually, freePort, startServiceProcess, testNatsPrefix, type ServiceProcess, type TestDatabase } from '@kastra/testing';
import { SlowCountingServer } from './slow-counting-server';

const ctx = { actor: 'user:test' };
/** A call the kill can land in, and calls that finish around it. */
const SLOW_MS = 3000;
const QUICK_MS = 100;
const RUNS_PER_WORKFLOW = 3;
const RESULTS = ['StepSucceeded', 'StepFailed', 'StepRetrying'];

type StepKind = 'foreach' | 'parallel' | 'tool';
/** The workflows under test: each step's kind and the idempotency keys (after `<uid>:`) of its calls. */
const WORKFLOWS: Record<string, { kind: StepKind; spec: Record<string, unknown>; input: unknown; keys: Record<string, string[]> }> = {
  each: {
    kind: 'foreach',
    // Two workers over [quick, slow, quick, quick]: three items are recorded while the slow one runs.
    spec: { steps: [{ id: 'each', tool: 'counter', foreach: { items: '$.input.items', concurrency: 2 } }, { id: 'after', tool: 'counter', input: { delay: QUICK_MS } }] },
    input: { items: [{ delay: QUICK_MS }, { delay: SLOW_MS }, { delay: QUICK_MS }, { delay: QUICK_MS }] },
    keys: { each: ['each:item:0', 'each:item:1', 'each:item:2', 'each:item:3'], after: ['after'] },
  },
  fan: {
    kind: 'parallel',
    spec: {
      steps: [
        { id: 'fan', parallel: [{ id: 'quick', tool: 'counter', input: { delay: QUICK_MS } }, { id: 'slow', tool: 'counter', input: { delay: SLOW_MS } }] },
        { id: 'after', tool: 'counter', input: { delay: QUICK_MS } },
      ],
    },
    input: {},
    keys: { fan: ['fan:branch:quick', 'fan:branch:slow'], after: ['after'] },
  },
  chain: {
    kind: 'tool',
    spec: { steps: ['s1', 's2', 's3'].map((id) => ({ id, tool: 'counter', input: { delay: 1200 } })) },
    input: {},
    keys: { s1: ['s1'], s2: ['s2'], s3: ['s3'] },
  },
};
/** The step a kill of each phase must land in, and the call that must be open then. */
const TARGETS: Record<StepKind, { workflow: string; step: string; openKey: string; recordedItem?: string }> = {
  foreach: { workflow: 'each', step: 'each', openKey: 'each:item:1', recordedItem: 'item:0' },
  parallel: { workflow: 'fan', step: 'fan', openKey: 'fan:branch:slow', recordedItem: 'branch:quick' },
  tool: { workflow: 'chain', step: '', openKey: '' },
};

interface Run {
  name: string;
  workflow: string;
  uid: string;
  stream: string;
}
interface Kill {
  kind: StepKind;
  replica: string;
  run: Run;
  step: string;
  openKey: string;
  at: number;
}

/** The executor replica id is `<pid>-<random>` (workflow-executor.ts): the process that recorded a StepStarted. */
const pidOf = (replica: string) => Number(replica.split('-')[0]);
const stepEvents = (events: RecordedEvent[], step: string) => events.filter((event) => event.data.stepId === step);

describe('workflow-executor replicas killed with -9 while a step is in flight', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let prefix: string;
  let home: string;
  let tool: SlowCountingServer;
  const replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('wfcrash');
    pool = db.pool({ max: 5 });
    await migrate(pool);
    home = mkdtempSync(path.join(tmpdir(), 'kastra-wfcrash-'));
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    prefix = testNatsPrefix('wfcrash');
    tool = await SlowCountingServer.start();
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop().catch(() => undefined);
    await tool?.close();
    await store?.close();
    await db?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('a killed replica\'s in-flight step (tool, parallel branch, foreach item) is run again by another; recorded steps and items never are', async () => {
    // Given the workflows, an http tool whose calls are counted, and two executor processes, ready
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Tool', metadata: { name: 'counter', namespace: 'default' }, spec: { http: { url: tool.url, method: 'POST' } } }, ctx);
    for (const [name, { spec }] of Object.entries(WORKFLOWS)) {
      await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Workflow', metadata: { name, namespace: 'default' }, spec }, ctx);
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      LOG_LEVEL: 'warn',
      KASTRA_EXECUTOR_ACK_WAIT_MS: '1500',
      KASTRA_EXECUTOR_RECOVERY_MS: '2000',
      // Tools are confined to public addresses unless the operator opens one: the counting tool server is opened.
      KASTRA_EGRESS_ALLOW: new URL(tool.url).host,
    };
    const live = new Set<number>();
    const startReplica = async () => {
      const replica = await startServiceProcess('workflow-executor', await freePort(), env);
      replicas.push(replica);
      live.add(replica.pid);
    };
    await Promise.all([startReplica(), startReplica()]);
    const runs: Run[] = [];
    const eventsOf = (run: Run) => readStream(pool, run.stream);

    // When, for each kind of step in turn, runs are created and the replica running such a step
    // (its StepStarted has no result yet, its call is open) is killed with -9 and replaced
    const kills: Kill[] = [];
    for (const kind of ['foreach', 'parallel', 'tool'] as const) {
      const target = TARGETS[kind];
      const created: Run[] = [];
      for (let i = 0; i < RUNS_PER_WORKFLOW; i++) {
        const name = `${target.workflow}-${i}`;
        const run = await store.create(
          { apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', metadata: { name, namespace: 'default' }, spec: { workflowRef: target.workflow, input: WORKFLOWS[target.workflow].input } },
          ctx,
        );
        const uid = run.metadata.uid as string;
        created.push({ name, workflow: target.workflow, uid, stream: `run:default:${name}:${uid}` });
      }
      runs.push(...created);
      const victim = await eventually(async () => {
        for (const run of created) {
          const inFlight = inFlightStep(await eventsOf(run), target.step || undefined);
          if (!inFlight || !live.has(pidOf(inFlight.replica))) continue;
          const openKey = `${run.uid}:${target.openKey || inFlight.step}`;
          if (target.recordedItem && !inFlight.items.includes(target.recordedItem)) continue;
          if (tool.isOpen(openKey)) return { run, ...inFlight, openKey };
        }
        return undefined;
      }, 30_000, 20);
      process.kill(pidOf(victim.replica), 'SIGKILL');
      kills.push({ kind, replica: victim.replica, run: victim.run, step: victim.step, openKey: victim.openKey, at: Date.now() });
      live.delete(pidOf(victim.replica));
      await startReplica();
    }
    const finished = async () => {
      const phases = await Promise.all(runs.map(async (run) => (await store.get({ kind: 'WorkflowRun', namespace: 'default', name: run.name }))?.status?.phase));
      return phases.every((phase) => ['Succeeded', 'Failed', 'Cancelled'].includes(String(phase)));
    };
    await eventually(finished, 90_000, 250);

    // Then every run succeeded
    for (const run of runs) {
      const resource = (await store.get({ kind: 'WorkflowRun', namespace: 'default', name: run.name })) as Resource;
      expect({ run: run.name, phase: resource.status?.phase }).toEqual({ run: run.name, phase: 'Succeeded' });
    }
    // and each kill hit a step in flight on the killed replica: its StepStarted had no result, its
    // call had arrived, and another replica started it again and recorded its result
    expect(kills.map((kill) => kill.kind)).toEqual(['foreach', 'parallel', 'tool']);
    for (const kill of kills) {
      const events = stepEvents(await eventsOf(kill.run), kill.step);
      const killedStart = events.findIndex((event) => event.type === 'StepStarted' && event.data.replica === kill.replica);
      const nextStart = events.findIndex((event, i) => i > killedStart && event.type === 'StepStarted');
      const result = events.findIndex((event, i) => i > killedStart && RESULTS.includes(event.type));
      expect({ kill: kill.kind, killedStart: killedStart >= 0, restartedBeforeResult: nextStart > killedStart && nextStart < result }).toEqual({ kill: kill.kind, killedStart: true, restartedBeforeResult: true });
      expect(events[nextStart].data.replica).not.toBe(kill.replica);
      expect(events[result].type).toBe('StepSucceeded');
      const calls = tool.callsOf(kill.openKey);
      expect({ key: kill.openKey, before: calls.some((call) => call.at < kill.at), after: calls.some((call) => call.at > kill.at) }).toEqual({ key: kill.openKey, before: true, after: true });
    }
    // and no step or item whose result was recorded was called again: each call of a key came
    // before its result, and at most once per start before it (a step started once called once)
    for (const run of runs) {
      const events = await eventsOf(run);
      for (const [step, keys] of Object.entries(WORKFLOWS[run.workflow].keys)) {
        const ofStep = stepEvents(events, step);
        const succeeded = ofStep.filter((event) => event.type === 'StepSucceeded');
        expect({ run: run.name, step, succeeded: succeeded.length }).toEqual({ run: run.name, step, succeeded: 1 });
        const startedAfter = ofStep.filter((event) => event.type === 'StepStarted' && event.streamVersion > succeeded[0].streamVersion);
        expect({ run: run.name, step, startedAfterResult: startedAfter.length }).toEqual({ run: run.name, step, startedAfterResult: 0 });
        for (const suffix of keys) {
          const key = `${run.uid}:${suffix}`;
          const item = suffix.slice(step.length + 1);
          const result = item ? ofStep.find((event) => event.type === 'StepItemSucceeded' && event.data.item === item) : succeeded[0];
          expect({ key, recorded: result !== undefined }).toEqual({ key, recorded: true });
          const starts = ofStep.filter((event) => event.type === 'StepStarted' && event.streamVersion < result!.streamVersion).length;
          const calls = tool.callsOf(key);
          expect({ key, calledAfterResult: calls.filter((call) => call.at > Date.parse(result!.createdAt)).length }).toEqual({ key, calledAfterResult: 0 });
          expect({ key, calls: calls.length >= 1 && calls.length <= starts }).toEqual({ key, calls: true });
        }
      }
    }
    // and the items already recorded when their step was killed were not called again
    for (const kill of kills.filter((k) => TARGETS[k.kind].recordedItem)) {
      expect(tool.callsOf(`${kill.run.uid}:${kill.step}:${TARGETS[kill.kind].recordedItem}`)).toHaveLength(1);
    }
    // and nothing called the tool with a key that is not a step's or an item's
    const known = new Set(runs.flatMap((run) => Object.values(WORKFLOWS[run.workflow].keys).flat().map((suffix) => `${run.uid}:${suffix}`)));
    expect(tool.calls.filter((call) => !known.has(call.key))).toEqual([]);
  }, 170_000);
});

/**
 * The step of a run that is in flight: its latest StepStarted has no result after it. With the
 * replica that started it and the items of the step recorded so far.
 */
function inFlightStep(events: RecordedEvent[], step?: string): { step: string; replica: string; items: string[] } | undefined {
  const started = events.filter((event) => event.type === 'StepStarted' && (step === undefined || event.data.stepId === step)).at(-1);
  if (!started) return undefined;
  const stepId = String(started.data.stepId);
  const later = events.filter((event) => event.streamVersion > started.streamVersion && event.data.stepId === stepId);
  if (later.some((event) => RESULTS.includes(event.type) || event.type === 'StepStarted')) return undefined;
  const items = events.filter((event) => event.type === 'StepItemSucceeded' && event.data.stepId === stepId).map((event) => String(event.data.item));
  return { step: stepId, replica: String(started.data.replica), items };
}
