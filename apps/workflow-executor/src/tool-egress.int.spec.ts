import { allowLoopbackEgress, startEgressTestServer, type EgressTestServer } from '@kastra/egress/testing';
import { ExecutorTestEnvironment, httpTool, resource } from './test/executor-test-environment';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;

/**
 * A user's http Tool run as a workflow step, by the executor (Postgres, NATS): it cannot read
 * internal endpoints, and cannot make the executor buffer a huge body.
 */
describe('http tool steps under the egress policy and the response cap', () => {
  let env: ExecutorTestEnvironment;
  const servers: EgressTestServer[] = [];

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('wfegress');
    await env.startExecutor();
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await env?.close();
  });

  it('fails a step whose Tool points at an internal endpoint, which never sees a connection', async () => {
    // Given an internal endpoint on loopback (not opened) and a workflow calling it through a Tool
    const internal = await startEgressTestServer((_req, res) => res.end('kastra_internal_metric 1'));
    servers.push(internal);
    await env.apply(httpTool('default', 'scan', `${internal.url}/metrics`), resource('Workflow', 'default', 'scanning', { steps: [{ id: 'scan', tool: 'scan', retry: { maxAttempts: 3, initialIntervalMs: 20 } }] }));
    // When a run is created
    await env.createRun('default', 'scan-1', 'scanning', {});
    const run = await env.waitForPhase('default', 'scan-1', ['Succeeded', 'Failed']);
    // Then the step failed as refused by the egress policy, the endpoint was never reached and nothing of it is in the run
    expect(run.status).toMatchObject({
      phase: 'Failed',
      steps: { scan: { state: 'Failed', error: { type: 'ToolExecutionError', message: expect.stringContaining('refused by egress policy: 127.0.0.1 is a loopback address') } } },
    });
    expect(internal.connections).toBe(0);
    expect(JSON.stringify(run)).not.toContain('kastra_internal_metric');
  });

  it('fails a step whose Tool answers 300 MB at the cap, without the executor buffering it', async () => {
    // Given an opened server streaming 300 MB per call, counting what it managed to write
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 120);
    const huge = await startEgressTestServer((_req, res) => {
      let sent = 0;
      const pump = () => {
        while (sent < 300 * MiB && !res.destroyed) {
          sent += chunk.length;
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    servers.push(huge);
    allowLoopbackEgress(huge.port);
    await env.apply(httpTool('default', 'dump', `${huge.url}/dump`), resource('Workflow', 'default', 'dumping', { steps: [{ id: 'dump', tool: 'dump' }] }));
    const before = process.memoryUsage().rss;
    // When a run is created
    await env.createRun('default', 'dump-1', 'dumping', {});
    const run = await env.waitForPhase('default', 'dump-1', ['Succeeded', 'Failed']);
    // Then the step failed at the cap once, the server could push only a little, and the executor's memory stayed flat
    expect(run.status).toMatchObject({
      phase: 'Failed',
      steps: { dump: { state: 'Failed', attempts: 1, error: { type: 'ToolExecutionError', message: expect.stringContaining(`answered more than ${5 * MiB} bytes`) } } },
    });
    expect(huge.requests).toHaveLength(1);
    expect(written).toBeLessThan(40 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * MiB);
  });
});
