import { Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { JwtAuthority } from '@kastra/auth';
import { PG_POOL } from '@kastra/event-store';
import { RESOURCE_STORE } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { REPO } from '@kastra/testing';
import { BearerAuthGuard } from '../../../apps/api-gateway/src/auth/bearer-auth.guard';
import { RBAC_PROVIDERS } from '../../../apps/api-gateway/src/auth/rbac.module';
import { configureGatewayApp } from '../../../apps/api-gateway/src/configure-gateway-app';
import { GATEWAY_LOGGER } from '../../../apps/api-gateway/src/gateway-logger';
import { ResourceReadsController } from '../../../apps/api-gateway/src/resources/resource-reads.controller';
import { ResourceWritesController } from '../../../apps/api-gateway/src/resources/resource-writes.controller';
import { WorkflowRunResumeController } from '../../../apps/api-gateway/src/runs/workflow-run-resume.controller';
import { WorkflowRunResumeService } from '../../../apps/api-gateway/src/runs/workflow-run-resume.service';
import { ExecutorTestEnvironment, resource, runKey } from '../../../apps/workflow-executor/src/test/executor-test-environment';
import { main } from './main';

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/**
 * `kastra run --wait` and `kastra resume` on a run that suspends, against the gateway's REST
 * controllers and a workflow-executor, in process over one test database and NATS prefix.
 */
describe('kastra run --wait and resume of a suspending run, against a gateway and a workflow-executor', () => {
  let env: ExecutorTestEnvironment;
  let app: INestApplication;
  let token: string;

  async function kastra(args: string[]) {
    let out = '';
    let err = '';
    const code = await main(args, {
      env: { KASTRA_SERVER: await app.getUrl(), KASTRA_TOKEN: token },
      cwd: REPO,
      stdout: (text) => void (out += text),
      stderr: (text) => void (err += text),
      readStdin: async () => '',
    });
    return { code, out, err };
  }

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('clisuspend');
    await env.startExecutor();
    await env.apply(
      resource('Workflow', 'ops', 'ship', {
        steps: [{ id: 'approve', suspend: { message: 'Ship it?', resumeSchema: { type: 'object', required: ['approved'], properties: { approved: { type: 'boolean' } } } } }],
      }),
    );
    const authority = new JwtAuthority(JWT_SECRET);
    token = authority.issue({ sub: 'ops-person', role: 'admin' });
    class GatewayTestModule {}
    Module({
      controllers: [ResourceReadsController, ResourceWritesController, WorkflowRunResumeController],
      providers: [
        WorkflowRunResumeService,
        { provide: RESOURCE_STORE, useValue: env.store },
        { provide: PG_POOL, useValue: env.pool },
        { provide: GATEWAY_LOGGER, useValue: createLogger('cli-suspend-test') },
        { provide: JwtAuthority, useValue: authority },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        ...RBAC_PROVIDERS,
      ],
    })(GatewayTestModule);
    app = await NestFactory.create(GatewayTestModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('cli-suspend-test'));
    await app.listen(0, '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('run --wait returns exit 3 at the suspension with the resume command; a bad payload is refused (exit 1); a good one finishes the run', async () => {
    // Given a workflow whose first step waits for an approval
    // When it is run with --wait and a timeout far longer than the run takes to suspend
    const started = Date.now();
    const waited = await kastra(['run', 'workflow', 'ship', '-n', 'ops', '--wait', '--timeout', '60s']);
    // Then the command returns once the run is suspended, exit 3, saying where and how to go on
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(waited).toMatchObject({ code: 3, out: '' });
    const name = /workflowrun\.mastra\.ai\/(ship-[a-z0-9]{5}) created/.exec(waited.err)![1];
    expect(waited.err).toContain(`workflowrun ${name} is suspended at step approve (Ship it?); resume it with: kastra resume ${name} -n ops --step approve --data '{...}'`);
    expect((await env.store.get(runKey('ops', name)))?.status?.phase).toBe('Suspended');

    // When it is resumed with a payload its step's resumeSchema refuses
    const refused = await kastra(['resume', name, '-n', 'ops', '--step', 'approve', '--data', '{"approved":"yes"}']);
    // Then the command prints the server's reason, naming the field, and exits 1
    expect(refused).toEqual({ code: 1, out: '', err: `Error from server (Invalid): WorkflowRun.mastra.ai "${name}" is invalid: payload.approved: must be boolean\n` });
    // And the run is still suspended, with no payload for the executor to reject
    const held = await env.store.get(runKey('ops', name));
    expect(held?.status?.phase).toBe('Suspended');
    expect(held?.spec?.resume).toBeUndefined();

    // When it is resumed with a payload that matches
    const resumed = await kastra(['resume', name, '-n', 'ops', '--step', 'approve', '--data', '{"approved":true}']);
    // Then the command says so and the run succeeds with the payload as the step's output
    expect(resumed).toEqual({ code: 0, out: `workflowrun.mastra.ai/${name} resumed (step approve)\n`, err: '' });
    const done = await env.waitForPhase('ops', name, ['Succeeded', 'Failed']);
    expect(done.status).toMatchObject({ phase: 'Succeeded', output: { approved: true } });
  }, 60_000);
});
