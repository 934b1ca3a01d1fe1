import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, findCondition, type Resource } from '@kastra/api';
import { migrate, readStream, type RecordedEvent } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, deleteTestStreams, eventually, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { ExecutorSupervisor } from './executor-supervisor';
import { SlowCountingServer } from './slow-counting-server';

const ctx = { actor: 'user:test' };
const ORDINARY_RUNS = 20;
const POISON_RUNS = 3;
const REPLICAS = 2;
const MAX_CRASHES = 3;

/**
 * An executor process this test started (its child, running the workflow-executor), even one that
 * is not ready yet: it takes work before its /readyz answers.
 */
function isExecutorOfThisTest(pid: number): boolean {
  try {
    const parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workflow-executor');
  } catch {
    return false;
  }
}

/**
 * The step that takes its executor down: every call it makes makes this harness SIGKILL the
 * executor process that made it (found from the run's latest StepStarted, which names its replica
 * `<pid>-<random>`). The call never gets an answer.
 */
class ExecutorKillingServer {
  readonly kills: Array<{ run: string; pid: number; at: number }> = [];
  private readonly server: Server;

  constructor(pool: Pool, isReplica: (pid: number) => boolean) {
    this.server = createServer((req) => {
      req.resume();
      const key = String(req.headers['idempotency-key'] ?? '');
      const uid = key.split(':')[0];
      void pool
        .query<{ replica: string }>(
          `SELECT data->>'replica' AS replica FROM kastra_events WHERE stream_id LIKE $1 AND type = 'StepStarted' ORDER BY global_position DESC LIMIT 1`,
          [`run:%:${uid}`],
        )
        .then(({ rows }) => {
          const pid = Number(rows[0]?.replica.split('-')[0]);
          if (!isReplica(pid)) return;
          process.kill(pid, 'SIGKILL');
          this.kills.push({ run: uid, pid, at: Date.now() });
        })
        // Already gone (another run's call killed it first): not this run's kill.
        .catch(() => undefined);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('a run whose step ends its executor process fails alone', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let prefix: string;
  let home: string;
  let slow: SlowCountingServer;
  let killer: ExecutorKillingServer;
  let supervisor: ExecutorSupervisor | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('wfpoison');
    pool = db.pool({ max: 5 });
    await migrate(pool);
    home = mkdtempSync(path.join(tmpdir(), 'kastra-wfpoison-'));
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    prefix = testNatsPrefix('wfpoison');
    slow = await SlowCountingServer.start();
    killer = new ExecutorKillingServer(pool, isExecutorOfThisTest);
  });

  afterAll(async () => {
    await supervisor?.stop();
    await killer?.close();
    await slow?.close();
    await store?.close();
    await db?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it(`${POISON_RUNS} runs whose step kills its executor (and a memory bomb) fail; ${ORDINARY_RUNS} runs beside them succeed`, async () => {
    // Given ordinary runs of three 300 ms http steps, runs whose second step makes the harness kill
    // the executor that calls it, and a run whose script returns a 100 MB string
    const killerUrl = await killer.listen();
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Tool', metadata: { name: 'slow', namespace: 'default' }, spec: { http: { url: slow.url, method: 'POST' } } }, ctx);
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Tool', metadata: { name: 'exit', namespace: 'default' }, spec: { http: { url: killerUrl, method: 'POST' } } }, ctx);
    await store.create(
      { apiVersion: API_GROUP_VERSION, kind: 'Tool', metadata: { name: 'bomb', namespace: 'default' }, spec: { script: { code: "return 'x'.repeat(100 * 1024 * 1024)", timeoutMs: 10_000 } } },
      ctx,
    );
    const workflows: Record<string, Record<string, unknown>> = {
      ordinary: { steps: ['a', 'b', 'c'].map((id) => ({ id, tool: 'slow', input: { delay: 300 } })) },
      poison: { steps: [{ id: 'warm-up', tool: 'slow', input: { delay: 300 } }, { id: 'explode', tool: 'exit', input: {} }] },
      bomb: { steps: [{ id: 'allocate', tool: 'bomb', input: {} }] },
    };
    for (const [name, spec] of Object.entries(workflows)) {
      await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Workflow', metadata: { name, namespace: 'default' }, spec }, ctx);
    }
    // and two executor processes, each replaced whenever it ends (as npm start's supervisor does)
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      LOG_LEVEL: 'warn',
      KASTRA_EXECUTOR_ACK_WAIT_MS: '1500',
      KASTRA_EXECUTOR_RECOVERY_MS: '2000',
      KASTRA_EXECUTOR_MAX_CRASHES: String(MAX_CRASHES),
      // The tools of this test are servers of this test, on loopback.
      KASTRA_EGRESS_ALLOW: '127.0.0.1',
    };
    supervisor = new ExecutorSupervisor(REPLICAS, env);
    await supervisor.start();

    // When they all run at once
    const create = (name: string, workflow: string) =>
      store.create({ apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', metadata: { name, namespace: 'default' }, spec: { workflowRef: workflow, input: {} } }, ctx);
    const ordinary = Array.from({ length: ORDINARY_RUNS }, (_, i) => `ordinary-${i}`);
    const poison = Array.from({ length: POISON_RUNS }, (_, i) => `poison-${i}`);
    const created = new Map<string, Resource>();
    for (let i = 0; i < ORDINARY_RUNS; i++) {
      created.set(ordinary[i], await create(ordinary[i], 'ordinary'));
      if (i < POISON_RUNS) created.set(poison[i], await create(poison[i], 'poison'));
    }
    created.set('bomb-0', await create('bomb-0', 'bomb'));
    const runOf = async (name: string) => (await store.get({ kind: 'WorkflowRun', namespace: 'default', name })) as Resource;
    const ended = (run: Resource) => ['Succeeded', 'Failed', 'Cancelled'].includes(String(run.status?.phase));
    try {
      await eventually(async () => (await Promise.all([...created.keys()].map(runOf))).every(ended), 200_000, 500);
    } catch (error) {
      // What did not end, and what the executors said: a hang here is what this test exists to catch.
      const unfinished = (await Promise.all([...created.keys()].map(runOf))).filter((run) => !ended(run));
      const detail = unfinished.map((run) => `${run.metadata.name} ${String(run.status?.phase)} ${JSON.stringify(run.status?.steps)}`).join('\n');
      throw new Error(`${String(error)}; kills ${killer.kills.length}, restarts ${supervisor.restarts}; unfinished:\n${detail}\n${supervisor.logs()}`);
    }
    const eventsOf = (name: string): Promise<RecordedEvent[]> => {
      const run = created.get(name)!;
      return readStream(pool, `run:default:${name}:${run.metadata.uid}`);
    };

    // Then every ordinary run succeeded, each step once, though some were in flight on a killed executor
    for (const name of ordinary) {
      const run = await runOf(name);
      expect({ name, phase: run.status?.phase, error: run.status?.error }).toEqual({ name, phase: 'Succeeded', error: undefined });
    }
    const ordinaryStarts = await Promise.all(ordinary.map(async (name) => (await eventsOf(name)).filter((event) => event.type === 'StepStarted')));
    const collateral = ordinaryStarts.filter((starts) => starts.some((event) => event.data.isolated === true)).length;
    // and each poison run failed ExecutorCrashed, naming the step in flight, after it took its
    // executor down MAX_CRASHES times in a row — the later times alone on its process
    for (const name of poison) {
      const run = await runOf(name);
      expect(run.status).toMatchObject({ phase: 'Failed', error: { type: 'ExecutorCrashed', stepId: 'explode' }, steps: { explode: { state: 'Failed' } } });
      expect(findCondition(run.status?.conditions, 'Succeeded')).toMatchObject({ status: 'False', reason: 'ExecutorCrashed', message: expect.stringContaining('step explode') });
      const starts = (await eventsOf(name)).filter((event) => event.type === 'StepStarted' && event.data.stepId === 'explode');
      expect({ name, starts: starts.length, isolated: starts.slice(1).every((event) => event.data.isolated === true) }).toEqual({ name, starts: MAX_CRASHES, isolated: true });
      // (its first crash may have been another poison run's kill of a process it shared)
      expect(killer.kills.filter((kill) => kill.run === run.metadata.uid).length).toBeGreaterThanOrEqual(MAX_CRASHES - 1);
    }
    // and the memory bomb failed its own run (the process it aborted, or the sandbox that contained it)
    expect((await runOf('bomb-0')).status?.phase).toBe('Failed');
    // and the executors were restarted after every kill, and two are running now
    expect(supervisor.restarts).toBeGreaterThanOrEqual(killer.kills.length);
    await supervisor.ready();
    // and (what the isolation is for) ordinary runs in flight when a poison run killed their
    // executor ran their step again alone instead of failing
    console.log(`poison e2e: ${killer.kills.length} kills by the poison step, ${supervisor.restarts} restarts, ${collateral} ordinary runs caught in a crash`);
  }, 280_000);
});
