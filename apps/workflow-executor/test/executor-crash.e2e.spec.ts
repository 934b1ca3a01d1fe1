import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { migrate, readStream } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, deleteTestStreams, eventually, freePort, REPO, testNatsPrefix, type TestDatabase } from '@kastra/testing';

const ctx = { actor: 'user:test' };
const STEPS = ['s1', 's2', 's3', 's4', 's5'];
const RUNS = 8;

/** A workflow-executor process from dist/ that can be killed with SIGKILL. */
function startExecutor(env: NodeJS.ProcessEnv, port: number): ChildProcess {
  return spawn(process.execPath, [path.join(REPO, 'dist/apps/workflow-executor/src/main.js')], {
    cwd: REPO,
    env: { ...env, PORT: String(port) },
    stdio: 'ignore',
  });
}

describe('workflow-executor replicas killed with -9 at random points', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let prefix: string;
  let home: string;
  let server: Server;
  const hits: Array<{ key: string; at: number }> = [];
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    db = await createTestDatabase('wfcrash');
    pool = new Pool({ connectionString: db.url, max: 5 });
    pool.on('error', () => undefined);
    await migrate(pool);
    home = mkdtempSync(path.join(tmpdir(), 'kastra-wfcrash-'));
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    prefix = testNatsPrefix('wfcrash');
    // Each call takes a while, so kills land while steps are in flight.
    server = createServer((req, res) => {
      const key = String(req.headers['idempotency-key'] ?? '');
      hits.push({ key, at: Date.now() });
      req.resume();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ key }));
      }, 50 + Math.floor(Math.random() * 150));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    server?.close();
    await store?.close();
    await pool?.end();
    await db?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('ends every run Succeeded; recorded steps never run again; re-runs reuse their idempotency key', async () => {
    // Given a five-step workflow of http tool steps and two executor processes
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Tool', metadata: { name: 'call', namespace: 'default' }, spec: { http: { url, method: 'POST' } } }, ctx);
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Workflow', metadata: { name: 'chain', namespace: 'default' }, spec: { steps: STEPS.map((id) => ({ id, tool: 'call', input: { step: id } })) } }, ctx);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      LOG_LEVEL: 'warn',
      KASTRA_EXECUTOR_ACK_WAIT_MS: '1500',
      KASTRA_EXECUTOR_RECOVERY_MS: '2000',
    };
    const replicas: ChildProcess[] = [];
    const spawnReplica = async () => {
      const child = startExecutor(env, await freePort());
      children.add(child);
      child.once('exit', () => children.delete(child));
      replicas.push(child);
    };
    await spawnReplica();
    await spawnReplica();

    // When runs are created and replicas are killed with -9 (and replaced) at random moments
    const names = Array.from({ length: RUNS }, (_, i) => `crash-${i}`);
    for (const name of names) {
      await store.create({ apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', metadata: { name, namespace: 'default' }, spec: { workflowRef: 'chain', input: {} } }, ctx);
    }
    let kills = 0;
    const finished = async () => {
      const runs = await Promise.all(names.map((name) => store.get({ kind: 'WorkflowRun', namespace: 'default', name })));
      return runs.every((run) => ['Succeeded', 'Failed', 'Cancelled'].includes(String(run?.status?.phase)));
    };
    const deadline = Date.now() + 45_000;
    while (kills < 6 && Date.now() < deadline && !(await finished())) {
      await new Promise((resolve) => setTimeout(resolve, 700 + Math.floor(Math.random() * 1300)));
      const victim = replicas.splice(Math.floor(Math.random() * replicas.length), 1)[0];
      victim.kill('SIGKILL');
      kills++;
      await spawnReplica();
    }
    await eventually(finished, Math.max(5_000, deadline - Date.now()), 200);

    // Then every run succeeded, each step once in the log, with its own key
    expect(kills).toBeGreaterThan(0);
    for (const name of names) {
      const run = (await store.get({ kind: 'WorkflowRun', namespace: 'default', name })) as Resource;
      expect({ name, phase: run.status?.phase }).toEqual({ name, phase: 'Succeeded' });
      const uid = run.metadata.uid as string;
      const events = await readStream(pool, `run:default:${name}:${uid}`);
      for (const step of STEPS) {
        const key = `${uid}:${step}`;
        const succeeded = events.filter((event) => event.type === 'StepSucceeded' && event.data.stepId === step);
        const started = events.filter((event) => event.type === 'StepStarted' && event.data.stepId === step);
        const calls = hits.filter((hit) => hit.key === key);
        expect(succeeded).toHaveLength(1);
        // Every call of the step carried its key; a step ran again only when it had not been recorded
        expect(calls.length).toBeGreaterThanOrEqual(1);
        expect(calls.length).toBeLessThanOrEqual(started.length);
        expect(calls.filter((hit) => hit.at > Date.parse(succeeded[0].createdAt))).toEqual([]);
        expect((run.status?.steps as Record<string, { idempotencyKey: string }>)[step].idempotencyKey).toBe(key);
      }
    }
    // Nothing called the tool with a key that is not a step's key
    expect(hits.filter((hit) => !/^[0-9a-f-]{36}:s[1-5]$/.test(hit.key))).toEqual([]);
  }, 90_000);
});
