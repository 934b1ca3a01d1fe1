import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import type { Resource, ResourceStatus } from '@kastra/api';
import { JwtAuthority } from '@kastra/auth';
import { EventNotifier, EventStore, migrate, PG_POOL } from '@kastra/event-store';
import { createResourceStore, RESOURCE_STORE } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { createTestDatabase, eventually, type TestDatabase } from '@kastra/testing';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { RBAC_PROVIDERS } from '../auth/rbac.module';
import { bindClusterRole } from '../auth/test/bind-cluster-role';
import { configureGatewayApp } from '../configure-gateway-app';
import { RunEventsController } from '../runs/run-events.controller';
import { NetworkGenerateController } from './network-generate.controller';
import { NetworkGenerateService } from './network-generate.service';

/**
 * `POST .../networks/{name}/generate` over the real Postgres store and log. This test plays the
 * network-router: it appends the run's events (`networkrun:<ns>:<name>:<uid>`) and writes its
 * status the way the engine does.
 */
describe('network generate endpoint', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let notifier: EventNotifier;
  let events: EventStore;
  let app: INestApplication;
  let base: string;
  let home: string;
  const tokens: Record<string, string> = {};
  const ctx = { actor: 'system:network-router' };
  const ns = 'lab';
  const seen = new Set<string>();

  const url = (path: string) => `${base}/apis/mastra.ai/v1/namespaces/${ns}/${path}`;
  const generate = (body: unknown, options: { as?: string; query?: string; accept?: string; network?: string } = {}) =>
    fetch(url(`networks/${options.network ?? 'research'}/generate${options.query ?? ''}`), {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[options.as ?? 'ann']}`, 'content-type': 'application/json', accept: options.accept ?? 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const runKey = (name: string) => ({ kind: 'NetworkRun', namespace: ns, name });
  const setStatus = (name: string, status: ResourceStatus) => store.updateStatus(runKey(name), status, ctx);
  const appendEvents = (run: Resource, ...list: Array<[string, Record<string, unknown>]>) =>
    events.append(`networkrun:${ns}:${run.metadata.name}:${run.metadata.uid}`, list.map(([type, data]) => ({ type, data })));
  const runCount = async () => (await store.list({ kind: 'NetworkRun', namespace: ns })).items.length;

  /** The run the endpoint created (the only run of the network not seen yet). */
  function createdRun(): Promise<Resource> {
    return eventually(async () => {
      const { items } = await store.list({ kind: 'NetworkRun', namespace: ns });
      const run = items.find((r) => !seen.has(r.metadata.name));
      if (!run) throw new Error('no run yet');
      seen.add(run.metadata.name);
      return run;
    });
  }
  function parseSse(text: string) {
    return text
      .split('\n\n')
      .filter((block) => block.includes('event: '))
      .map((block) => ({ id: /^id: (.*)$/m.exec(block)?.[1], event: /^event: (.*)$/m.exec(block)![1], data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) }));
  }

  const ROUTE = [
    { step: 1, agent: 'search', reason: 'find sources first' },
    { step: 2, agent: 'summary', reason: 'write it up' },
  ];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'kastra-netgen-'));
    db = await createTestDatabase('netgen');
    pool = new Pool({ connectionString: db.url, max: 5 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    notifier = new EventNotifier(db.url);
    await notifier.start();
    events = new EventStore(pool);
    await store.create(
      {
        apiVersion: 'mastra.ai/v1',
        kind: 'Network',
        metadata: { name: 'research', namespace: ns },
        spec: { agents: [{ name: 'search' }, { name: 'summary' }], router: { model: { provider: 'mock', name: 'mock-1' }, maxSteps: 5 } },
      } as Resource,
      ctx,
    );
    // May generate (networks/generate) but not create NetworkRuns: a generate is that create.
    await store.create(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'generate-only' },
        rules: [
          { apiGroups: ['mastra.ai'], resources: ['networks', 'networkruns'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['mastra.ai'], resources: ['networks/generate'], verbs: ['create'] },
        ],
      } as unknown as Resource,
      { actor: 'test', principal: { sub: 'test', groups: ['system:masters'] } },
    );

    const authority = new JwtAuthority('test-secret-of-enough-length-for-hmac');
    // ann edits the namespace; olga edits another one only; vic views it; gus may only generate
    await bindClusterRole(store, 'ann', 'edit', ns);
    await bindClusterRole(store, 'olga', 'edit', 'elsewhere');
    await bindClusterRole(store, 'vic', 'view', ns);
    await bindClusterRole(store, 'gus', 'generate-only', ns);
    for (const sub of ['ann', 'olga', 'vic', 'gus']) tokens[sub] = authority.issue({ sub, groups: [] });
    class NetworkGenerateTestModule {}
    Module({
      controllers: [NetworkGenerateController, RunEventsController],
      providers: [
        NetworkGenerateService,
        { provide: RESOURCE_STORE, useValue: store },
        { provide: PG_POOL, useValue: pool },
        { provide: EventNotifier, useValue: notifier },
        { provide: JwtAuthority, useValue: authority },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        ...RBAC_PROVIDERS,
      ],
    })(NetworkGenerateTestModule);
    app = await NestFactory.create(NetworkGenerateTestModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('network-generate-test'));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await notifier?.stop();
    await store?.close();
    await pool?.end();
    await db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  describe('synchronously', () => {
    it('creates a NetworkRun as the caller and answers run, phase, output and route when it succeeds', async () => {
      // Given a caller waiting on generate
      const answer = generate({ message: 'Compare solar and wind', threadId: 'conv-1', maxSteps: 3 });
      // When the network-router ends the run it created
      const run = await createdRun();
      expect(run.metadata.name).toMatch(/^research-[a-z0-9]{5}$/);
      expect(run.spec).toEqual({ networkRef: { name: 'research' }, message: 'Compare solar and wind', threadId: 'conv-1', maxSteps: 3 });
      expect(run.metadata.labels).toEqual({ 'mastra.ai/network': 'research' });
      expect(await store.lastWriter(runKey(run.metadata.name))).toMatchObject({ sub: 'ann' });
      await setStatus(run.metadata.name, { phase: 'Running', route: ROUTE.slice(0, 1), steps: 1 });
      await setStatus(run.metadata.name, { phase: 'Succeeded', route: ROUTE, steps: 2, output: 'Wind wins on cost.' });
      // Then the caller gets 200 with the final answer and the route
      const res = await answer;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ run: run.metadata.name, phase: 'Succeeded', output: 'Wind wins on cost.', route: ROUTE, steps: 2 });
    });

    it('answers 422 RunFailed with the reason and the route so far when the run fails', async () => {
      const answer = generate({ message: 'Loop forever' });
      const run = await createdRun();
      expect(run.spec).toEqual({ networkRef: { name: 'research' }, message: 'Loop forever' });
      await setStatus(run.metadata.name, { phase: 'Failed', route: ROUTE, steps: 2, error: { reason: 'MaxStepsReached', message: 'the router did not answer within 2 steps', step: 2 } });
      const res = await answer;
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        kind: 'Status',
        reason: 'RunFailed',
        code: 422,
        run: run.metadata.name,
        phase: 'Failed',
        route: ROUTE,
        message: `network run ${run.metadata.name} failed at step 2: MaxStepsReached: the router did not answer within 2 steps`,
        details: { name: run.metadata.name, kind: 'networkruns', causes: [{ reason: 'MaxStepsReached', field: 'status.error' }] },
      });
    });

    it('answers 409 when the run is cancelled and 504 naming the run and its phase when it does not end in timeoutSeconds', async () => {
      const cancelled = generate({ message: 'Never mind' });
      const first = await createdRun();
      await setStatus(first.metadata.name, { phase: 'Cancelled' });
      expect((await cancelled).status).toBe(409);

      const slow = generate({ message: 'Take your time' }, { query: '?timeoutSeconds=1' });
      const second = await createdRun();
      await setStatus(second.metadata.name, { phase: 'Running', route: ROUTE.slice(0, 1), steps: 1 });
      const res = await slow;
      expect(res.status).toBe(504);
      const status = (await res.json()) as { reason: string; run: string; phase: string; route: unknown; message: string };
      expect(status).toMatchObject({ reason: 'Timeout', run: second.metadata.name, phase: 'Running', route: ROUTE.slice(0, 1) });
      expect(status.message).toContain(`kastra logs networkrun ${second.metadata.name} -n ${ns} -f`);
      // The run goes on
      expect(await store.get(runKey(second.metadata.name))).toBeDefined();
    });
  });

  describe('as Server-Sent Events', () => {
    it("streams the run's events, each named by its type, and ends after the final one", async () => {
      // Given a caller asking for an event stream
      const response = generate({ message: 'Stream it' }, { accept: 'text/event-stream' });
      const run = await createdRun();
      const res = await response;
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      expect(res.headers.get('content-location')).toBe(`/apis/mastra.ai/v1/namespaces/${ns}/networkruns/${run.metadata.name}`);
      const body = res.text();
      // When the engine records the run (start, two decisions and turns, the answer)
      const members = [{ name: 'search', kind: 'Agent' }, { name: 'summary', kind: 'Agent' }];
      await appendEvents(run, ['NetworkRunStarted', { network: 'research', message: 'Stream it', threadId: run.metadata.uid, maxSteps: 5, members }]);
      await appendEvents(
        run,
        ['RouteDecided', { step: 1, next: 'search', input: 'find it', reason: 'sources first', answer: '' }],
        ['MemberStarted', { step: 1, member: 'search', memberKind: 'Agent', input: 'find it' }],
        ['MemberFinished', { step: 1, member: 'search', output: 'three sources' }],
      );
      await appendEvents(
        run,
        ['RouteDecided', { step: 2, next: 'done', input: '', reason: 'enough', answer: 'Here it is.' }],
        ['NetworkRunSucceeded', { output: 'Here it is.', steps: 1 }],
      );
      // Then every event arrives in order with its stream version, and the stream ends
      const frames = parseSse(await body);
      expect(frames.map((f) => f.event)).toEqual(['NetworkRunStarted', 'RouteDecided', 'MemberStarted', 'MemberFinished', 'RouteDecided', 'NetworkRunSucceeded']);
      expect(frames.map((f) => f.id)).toEqual(['1', '2', '3', '4', '5', '6']);
      expect(frames[4].data).toMatchObject({ type: 'RouteDecided', data: { step: 2, next: 'done', answer: 'Here it is.' } });
      expect(frames[5].data).toMatchObject({ type: 'NetworkRunSucceeded', data: { output: 'Here it is.' } });
    });

    it('ends with NetworkRunFailed too, and GET .../networkruns/NAME/events replays the same stream', async () => {
      const response = generate({ message: 'Fail it' }, { query: '?stream=true' });
      const run = await createdRun();
      const body = (await response).text();
      await appendEvents(run, ['NetworkRunStarted', { network: 'research', message: 'Fail it', members: [] }], ['NetworkRunFailed', { reason: 'UnknownMember', message: 'the router chose "seach" twice', step: 1 }]);
      expect(parseSse(await body).map((f) => f.event)).toEqual(['NetworkRunStarted', 'NetworkRunFailed']);

      const replay = await fetch(url(`networkruns/${run.metadata.name}/events`), { headers: { authorization: `Bearer ${tokens.vic}` } });
      expect(replay.status).toBe(200);
      expect(parseSse(await replay.text()).map((f) => [f.id, f.event])).toEqual([
        ['1', 'NetworkRunStarted'],
        ['2', 'NetworkRunFailed'],
      ]);
      expect((await fetch(url('networkruns/nope/events'), { headers: { authorization: `Bearer ${tokens.ann}` } })).status).toBe(404);
    });

    it('ends with an error frame naming the run and its phase when timeoutSeconds pass first', async () => {
      const response = generate({ message: 'Slow stream' }, { accept: 'text/event-stream', query: '?timeoutSeconds=1' });
      const run = await createdRun();
      await appendEvents(run, ['NetworkRunStarted', { network: 'research', message: 'Slow stream', members: [] }]);
      const frames = parseSse(await (await response).text());
      expect(frames.map((f) => f.event)).toEqual(['NetworkRunStarted', 'error']);
      expect(frames[1].data).toMatchObject({ kind: 'Status', code: 504, reason: 'Timeout', run: run.metadata.name, phase: 'Pending' });
    });
    it('lets the run go on when the caller hangs up mid-stream', async () => {
      const hangUp = new AbortController();
      const response = await fetch(url('networks/research/generate'), {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.ann}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ message: 'Leave early' }),
        signal: hangUp.signal,
      });
      const run = await createdRun();
      expect(response.status).toBe(200);
      hangUp.abort();
      await appendEvents(run, ['NetworkRunStarted', { network: 'research', message: 'Leave early', members: [] }], ['NetworkRunSucceeded', { output: 'done anyway', steps: 0 }]);
      await setStatus(run.metadata.name, { phase: 'Succeeded', output: 'done anyway', route: [] });
      // The run is still there, and its events can be read afterwards
      expect((await store.get(runKey(run.metadata.name)))?.status?.phase).toBe('Succeeded');
      const replay = await fetch(url(`networkruns/${run.metadata.name}/events`), { headers: { authorization: `Bearer ${tokens.ann}` } });
      expect(parseSse(await replay.text()).map((f) => f.event)).toEqual(['NetworkRunStarted', 'NetworkRunSucceeded']);
    });
  });

  describe('refusals', () => {
    it('answers 404 for an unknown network, 422 naming each bad field, 400 for bad JSON or timeouts — creating no run', async () => {
      const before = await runCount();
      const missing = await generate({ message: 'x' }, { network: 'nope' });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', details: { name: 'nope', kind: 'networks' } });

      const invalid = await generate({ threadId: 'no spaces allowed', maxSteps: 0, extra: true });
      expect(invalid.status).toBe(422);
      const status = (await invalid.json()) as { reason: string; details: { causes: Array<{ field: string }> } };
      expect(status.reason).toBe('Invalid');
      expect(status.details.causes.map((c) => c.field).sort()).toEqual(['extra', 'maxSteps', 'message', 'threadId']);
      expect((await generate({ message: '' })).status).toBe(422);
      expect((await generate({ message: 7 })).status).toBe(422);
      const overLimit = await generate({ message: 'x', maxSteps: 6 });
      expect(overLimit.status).toBe(422);
      expect(((await overLimit.json()) as { message: string }).message).toContain("maxSteps: must be at most the network's router.maxSteps (5), not 6");

      expect((await generate('{oops')).status).toBe(400);
      expect((await generate('[1]')).status).toBe(400);
      expect((await generate({ message: 'x' }, { query: '?timeoutSeconds=0' })).status).toBe(400);
      expect((await generate({ message: 'x' }, { query: '?timeoutSeconds=601' })).status).toBe(400);
      expect((await fetch(url('networks/research/generate'), { method: 'POST', body: '{"message":"x"}' })).status).toBe(401);
      expect(await runCount()).toBe(before);
    });

    it('is 403 for a caller who may not create NetworkRuns there — a viewer, an editor of another namespace, a holder of networks/generate alone', async () => {
      const before = await runCount();
      const viewer = await generate({ message: 'x' }, { as: 'vic' });
      expect(viewer.status).toBe(403);
      expect(((await viewer.json()) as { message: string }).message).toBe(
        `networks.mastra.ai "research" is forbidden: User "vic" cannot create resource "networks/generate" in API group "mastra.ai" in the namespace "${ns}"`,
      );
      expect((await generate({ message: 'x' }, { as: 'olga' })).status).toBe(403);
      const generateOnly = await generate({ message: 'x' }, { as: 'gus', accept: 'text/event-stream' });
      expect(generateOnly.status).toBe(403);
      expect(((await generateOnly.json()) as { message: string }).message).toBe(
        `networkruns.mastra.ai is forbidden: User "gus" cannot create resource "networkruns" in API group "mastra.ai" in the namespace "${ns}"`,
      );
      // the check comes before the body is read: no existence or validation leaks either
      expect((await generate({ bad: true }, { as: 'gus', network: 'nope' })).status).toBe(403);
      expect(await runCount()).toBe(before);
    });
  });
});
