import { Pool } from 'pg';
import { randomBytes } from 'node:crypto';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { eventually } from '@kastra/testing';
import { ExecutorTestEnvironment, resource } from './test/executor-test-environment';
import type { WorkflowExecutor } from './workflow-executor';

jest.setTimeout(90_000);

/**
 * Many runs at once against executors with the pool a service gets (EventStoreModule: 10
 * connections) and the default concurrency (16): every run must finish, none may wait on the
 * periodic recovery (set far away here) to move.
 */
describe('the workflow executor under many concurrent runs', () => {
  let env: ExecutorTestEnvironment;
  const pools: Pool[] = [];
  const stores: Array<{ close(): Promise<void> }> = [];
  const executors: WorkflowExecutor[] = [];

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('wfconc');
    await env.apply(
      resource('Tool', 'default', 'noop', { description: 'no-op', builtin: 'current-time' }),
      resource('Workflow', 'default', 'three-noops', { steps: [1, 2, 3].map((i) => ({ id: `s${i}`, tool: 'noop', input: {} })) }),
    );
  });

  afterAll(async () => {
    // Executors first (they use the pools), then their stores and pools, then the database.
    for (const executor of executors) await executor.stop();
    for (const store of stores) await store.close();
    for (const pool of pools) await pool.end();
    await env?.close();
  });

  /** An executor on its own pool of the production size, like a workflow-executor process. */
  async function startServiceSizedExecutor(): Promise<void> {
    const pool = new Pool({ connectionString: env.db.url, max: 10 });
    pool.on('error', () => undefined);
    pools.push(pool);
    const store = await createResourceStore({ pool, databaseUrl: env.db.url, cipher: new SecretCipher(randomBytes(32)) });
    stores.push(store);
    executors.push(await env.startExecutor({ pool, store, recoveryIntervalMs: 600_000 }));
  }

  async function runAll(prefix: string, count: number, boundMs: number): Promise<number> {
    const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const started = Date.now();
    await Promise.all(names.map((name) => env.createRun('default', name, 'three-noops', {})));
    const runs = await eventually(
      async () => {
        const { items } = await env.store.list({ kind: 'WorkflowRun', namespace: 'default' });
        const mine = items.filter((run) => run.metadata.name.startsWith(`${prefix}-`));
        return mine.length === count && mine.every((run) => ['Succeeded', 'Failed', 'Cancelled'].includes(String(run.status?.phase))) ? mine : undefined;
      },
      boundMs,
      100,
    ).catch(async (error: unknown) => {
      const { items } = await env.store.list({ kind: 'WorkflowRun', namespace: 'default' });
      const phases = items.filter((run) => run.metadata.name.startsWith(`${prefix}-`)).map((run) => String(run.status?.phase ?? 'none'));
      throw new Error(`runs did not all end within ${boundMs} ms: ${phases.join(',')} (${String(error)})`);
    });
    expect(runs.map((run) => run.status?.phase)).toEqual(names.map(() => 'Succeeded'));
    return Date.now() - started;
  }

  it('finishes 20 runs created at once with one executor', async () => {
    // Given one executor with a service-sized pool
    await startServiceSizedExecutor();
    // When 20 runs of three no-op steps are created at once
    // Then every run succeeds well within the bound
    await runAll('one', 20, 30_000);
    // And each step ran exactly once
    for (const name of ['one-0', 'one-19']) {
      const run = await env.store.get({ kind: 'WorkflowRun', namespace: 'default', name });
      const types = (await env.runEvents(run!)).map((event) => event.type);
      expect(types).toEqual(['RunStarted', ...[1, 2, 3].flatMap(() => ['StepScheduled', 'StepStarted', 'StepSucceeded']), 'RunSucceeded']);
    }
  });

  it('finishes 20 runs created at once with two executors sharing them', async () => {
    // Given a second executor
    await startServiceSizedExecutor();
    // When 20 more runs are created at once, Then they all succeed within the bound
    await runAll('two', 20, 30_000);
  });
});
