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
import { RunEventsController } from './run-events.controller';
import { runStreamIdOf } from './run-event-tail';
import { WorkflowExecuteController } from './workflow-execute.controller';
import { WorkflowExecuteService } from './workflow-execute.service';
import { WorkflowRunResumeController } from './workflow-run-resume.controller';
import { WorkflowRunResumeService } from './workflow-run-resume.service';

/**
 * The run endpoints over the real Postgres store and log. This test plays the workflow-executor:
 * it appends run events and writes the status projection the way apps/workflow-executor does
 * (the e2e in apps/workflow-executor/test runs the real one).
 */
describe('workflow run endpoints', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let notifier: EventNotifier;
  let events: EventStore;
  let app: INestApplication;
  let base: string;
  let home: string;
  let token: string;
  let otherToken: string;
  let viewerToken: string;
  const ctx = { actor: 'system:test-executor' };
  const ns = 'kitchen';

  const auth = () => ({ authorization: `Bearer ${token}` });
  const runKey = (name: string) => ({ kind: 'WorkflowRun', namespace: ns, name });

  async function appendRunEvents(run: Resource, ...types: Array<[string, Record<string, unknown>]>) {
    await events.append(runStreamIdOf(ns, run.metadata.name, run.metadata.uid!), types.map(([type, data]) => ({ type, data })));
  }
  async function setStatus(name: string, status: ResourceStatus) {
    await store.updateStatus(runKey(name), status, ctx);
  }
  /** Resolves with the run the execute endpoint created (it is the only run of the workflow not seen yet). */
  async function createdRun(workflow: string, seen: Set<string>): Promise<Resource> {
    return eventually(async () => {
      const { items } = await store.list({ kind: 'WorkflowRun', namespace: ns });
      const run = items.find((r) => r.metadata.name.startsWith(`${workflow}-`) && !seen.has(r.metadata.name));
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

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'kastra-runs-'));
    db = await createTestDatabase('runsapi');
    pool = new Pool({ connectionString: db.url, max: 5 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    notifier = new EventNotifier(db.url);
    await notifier.start();
    events = new EventStore(pool);
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: 'etl', namespace: ns }, spec: { steps: [{ id: 'only', tool: { name: 'noop' } }] } } as Resource, ctx).catch(async (error) => {
      throw new Error(`could not create the test Workflow: ${(error as Error).message}`);
    });

    const authority = new JwtAuthority('test-secret-of-enough-length-for-hmac');
    // ann edits the test namespace; olga edits another one only, vic views the test namespace
    await bindClusterRole(store, 'ann', 'edit', ns);
    await bindClusterRole(store, 'olga', 'edit', 'elsewhere');
    await bindClusterRole(store, 'vic', 'view', ns);
    token = authority.issue({ sub: 'ann', role: 'user' });
    otherToken = authority.issue({ sub: 'olga', groups: [] });
    viewerToken = authority.issue({ sub: 'vic', groups: [] });
    class RunsTestModule {}
    Module({
      controllers: [RunEventsController, WorkflowExecuteController, WorkflowRunResumeController],
      providers: [
        WorkflowExecuteService,
        WorkflowRunResumeService,
        { provide: RESOURCE_STORE, useValue: store },
        { provide: PG_POOL, useValue: pool },
        { provide: EventNotifier, useValue: notifier },
        { provide: JwtAuthority, useValue: authority },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        ...RBAC_PROVIDERS,
      ],
    })(RunsTestModule);
    app = await NestFactory.create(RunsTestModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('runs-test'));
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

  describe('GET .../workflowruns/{name}/events', () => {
    it('streams the run from its start, then live, and ends after the terminal event', async () => {
      // Given a run with its first event recorded
      const run = await store.create({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'live', namespace: ns }, spec: { workflowRef: 'etl' } } as Resource, ctx);
      await appendRunEvents(run, ['RunStarted', { input: { n: 1 } }]);
      // When a client follows it and the executor records more afterwards
      const response = fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/live/events`, { headers: auth() });
      const res = await response;
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const body = res.text();
      await appendRunEvents(run, ['StepScheduled', { stepId: 'only', visit: 1 }], ['StepStarted', { stepId: 'only', attempt: 1 }]);
      await appendRunEvents(run, ['StepSucceeded', { stepId: 'only', output: { ok: true } }], ['RunSucceeded', { output: { ok: true } }]);
      // Then it gets every event in order, with stream versions as ids, and the response ends
      const frames = parseSse(await body);
      expect(frames.map((f) => f.event)).toEqual(['RunStarted', 'StepScheduled', 'StepStarted', 'StepSucceeded', 'RunSucceeded']);
      expect(frames.map((f) => f.id)).toEqual(['1', '2', '3', '4', '5']);
      expect(frames[3].data).toMatchObject({ type: 'StepSucceeded', streamVersion: 4, data: { stepId: 'only', output: { ok: true } } });
      expect(typeof frames[0].data.createdAt).toBe('string');
    });

    it('resumes after Last-Event-ID and answers a finished run at once', async () => {
      const res = await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/live/events`, { headers: { ...auth(), 'last-event-id': '3' } });
      expect(parseSse(await res.text()).map((f) => f.event)).toEqual(['StepSucceeded', 'RunSucceeded']);
    });

    it('with ?follow=false ends after the events recorded so far', async () => {
      const run = await store.create({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'midway', namespace: ns }, spec: { workflowRef: 'etl' } } as Resource, ctx);
      await appendRunEvents(run, ['RunStarted', {}], ['StepScheduled', { stepId: 'only' }]);
      const res = await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/midway/events?follow=false`, { headers: auth() });
      expect(parseSse(await res.text()).map((f) => f.event)).toEqual(['RunStarted', 'StepScheduled']);
    });

    it('ends the stream when the run is deleted while it is followed', async () => {
      const run = await store.create({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'doomed', namespace: ns }, spec: { workflowRef: 'etl' } } as Resource, ctx);
      await appendRunEvents(run, ['RunStarted', {}]);
      const res = await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/doomed/events`, { headers: auth() });
      const body = res.text();
      await store.delete(runKey('doomed'), ctx);
      expect(parseSse(await body).map((f) => f.event)).toEqual(['RunStarted']);
    });

    it('answers 404 for an unknown run, 400 for a bad Last-Event-ID and 401 without a token', async () => {
      const missing = await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/nope/events`, { headers: auth() });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
      const bad = await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/live/events`, { headers: { ...auth(), 'last-event-id': 'x' } });
      expect(bad.status).toBe(400);
      expect((await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/live/events`)).status).toBe(401);
    });
  });

  describe('POST .../workflows/{name}/execute', () => {
    const seen = new Set<string>();
    const execute = (body: string | undefined, query = '') =>
      fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflows/etl/execute${query}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body });

    it('creates a run of the workflow with the body as input and answers its output when it succeeds', async () => {
      // Given a caller waiting on execute
      const answer = execute(JSON.stringify({ rows: [1, 2] }));
      // When the executor finishes the run it created
      const run = await createdRun('etl', seen);
      expect(run.metadata.name).toMatch(/^etl-[a-z0-9]{5}$/);
      expect(run.spec).toEqual({ workflowRef: { name: 'etl' }, input: { rows: [1, 2] } });
      expect(run.metadata.labels).toEqual({ 'mastra.ai/workflow': 'etl' });
      await setStatus(run.metadata.name, { phase: 'Running' });
      await setStatus(run.metadata.name, { phase: 'Succeeded', output: { loaded: 2 } });
      // Then the caller gets 200 with the run name, phase and output
      const res = await answer;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ run: run.metadata.name, phase: 'Succeeded', output: { loaded: 2 } });
    });

    it('answers 422 RunFailed with the failing step when the run fails', async () => {
      const answer = execute('"just a string"');
      const run = await createdRun('etl', seen);
      expect(run.spec?.input).toBe('just a string');
      await setStatus(run.metadata.name, { phase: 'Failed', error: { stepId: 'only', type: 'ToolExecutionError', message: 'upstream said 500' } });
      const res = await answer;
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        kind: 'Status',
        reason: 'RunFailed',
        code: 422,
        run: run.metadata.name,
        phase: 'Failed',
        message: expect.stringContaining('step only failed: ToolExecutionError: upstream said 500'),
        details: { name: run.metadata.name, kind: 'workflowruns', causes: [{ reason: 'ToolExecutionError', field: 'status.steps.only' }] },
      });
    });

    it('answers 409 when the run is cancelled and 202 naming the step when it suspends', async () => {
      const cancelled = execute(undefined);
      const first = await createdRun('etl', seen);
      expect(first.spec).toEqual({ workflowRef: { name: 'etl' } });
      await setStatus(first.metadata.name, { phase: 'Cancelled' });
      expect((await cancelled).status).toBe(409);

      const suspended = execute('{}');
      const second = await createdRun('etl', seen);
      await setStatus(second.metadata.name, { phase: 'Suspended', steps: { approve: { state: 'Suspended', message: 'Approve the load?' } } });
      const res = await suspended;
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ run: second.metadata.name, phase: 'Suspended', suspended: { stepId: 'approve', message: 'Approve the load?' } });
    });

    it('answers 504 Timeout naming the run when it does not settle in timeoutSeconds; the run stays', async () => {
      const res = await execute('{}', '?timeoutSeconds=1');
      expect(res.status).toBe(504);
      const status = (await res.json()) as { reason: string; run: string; phase: string };
      expect(status).toMatchObject({ reason: 'Timeout', phase: 'Pending' });
      expect(await store.get(runKey(status.run))).toBeDefined();
      seen.add(status.run);
    });

    it('rejects an unknown workflow (404), bad JSON and timeouts (400) and no token (401) without creating runs', async () => {
      const before = (await store.list({ kind: 'WorkflowRun', namespace: ns })).items.length;
      const missing = await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflows/nope/execute`, { method: 'POST', headers: auth() });
      expect(missing.status).toBe(404);
      expect((await execute('{oops')).status).toBe(400);
      expect((await execute('{}', '?timeoutSeconds=0')).status).toBe(400);
      expect((await execute('{}', '?timeoutSeconds=9999')).status).toBe(400);
      expect((await fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflows/etl/execute`, { method: 'POST' })).status).toBe(401);
      expect((await store.list({ kind: 'WorkflowRun', namespace: ns })).items.length).toBe(before);
    });
  });
  describe('POST .../workflowruns/{name}/resume', () => {
    const APPROVAL_SCHEMA = { type: 'object', required: ['approved'], properties: { approved: { type: 'boolean' }, note: { type: 'string' } } };
    const approvalSpec = (resumeSchema?: Record<string, unknown>) => ({
      steps: [{ id: 'approve', suspend: { message: 'Load?', ...(resumeSchema ? { resumeSchema } : {}) } }, { id: 'load', tool: { name: 'noop' } }],
    });
    const resume = (name: string, body: unknown) =>
      fetch(`${base}/apis/mastra.ai/v1/namespaces/${ns}/workflowruns/${name}/resume`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    /** A run of `approval` suspended at `approve`, as the executor leaves it (RunStarted carries the Workflow snapshot). */
    async function suspendedRun(name: string, snapshot: Record<string, unknown>): Promise<Resource> {
      const run = await store.create({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name, namespace: ns }, spec: { workflowRef: 'approval' } } as Resource, ctx);
      await appendRunEvents(run, ['RunStarted', { workflow: { namespace: ns, name: 'approval' }, workflowSpec: snapshot, input: {} }], ['StepScheduled', { stepId: 'approve', visit: 1 }], ['RunSuspended', { stepId: 'approve', message: 'Load?' }]);
      await setStatus(name, { phase: 'Suspended', steps: { approve: { state: 'Suspended', message: 'Load?' } } });
      return run;
    }

    beforeAll(async () => {
      // The Workflow as it is now has no resumeSchema: runs started earlier keep the one of their snapshot.
      await store.create({ apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: 'approval', namespace: ns }, spec: approvalSpec() } as Resource, ctx);
    });

    it("answers 422 naming the field when the payload does not match the suspended step's resumeSchema, and writes nothing", async () => {
      // Given a run suspended at a step whose schema (in the run's snapshot) wants a boolean
      await suspendedRun('held', approvalSpec(APPROVAL_SCHEMA));
      // When it is resumed with a string
      const res = await resume('held', { stepId: 'approve', payload: { approved: 'yes' } });
      // Then the answer is 422 Invalid naming payload.approved
      expect(res.status).toBe(422);
      const status = (await res.json()) as { reason: string; message: string; details: { causes: unknown[] } };
      expect(status).toMatchObject({ kind: 'Status', reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'payload.approved', message: 'must be boolean' }] } });
      expect(status.message).toContain('payload.approved: must be boolean');
      // And spec.resume was not written (the run stays suspended, nothing for the executor to reject)
      expect((await store.get(runKey('held')))?.spec?.resume).toBeUndefined();
      // And a payload without the required field names it too
      const missing = await resume('held', { stepId: 'approve', payload: { note: 'x' } });
      expect(missing.status).toBe(422);
      expect(((await missing.json()) as { message: string }).message).toContain("must have required property 'approved'");
    });

    it('sets spec.resume.<step> for a payload that matches, replacing an earlier one, and answers the run', async () => {
      await suspendedRun('approved', approvalSpec(APPROVAL_SCHEMA));
      const first = await resume('approved', { stepId: 'approve', payload: { approved: false, note: 'wait' } });
      expect(first.status).toBe(200);
      expect(((await first.json()) as Resource).spec).toEqual({ workflowRef: 'approval', resume: { approve: { approved: false, note: 'wait' } } });
      const second = await resume('approved', { stepId: 'approve', payload: { approved: true } });
      expect(second.status).toBe(200);
      // Replaced, not merged into the earlier payload
      expect((await store.get(runKey('approved')))?.spec?.resume).toEqual({ approve: { approved: true } });
    });

    it('checks a run that has not started yet against the Workflow it names', async () => {
      await store.create({ apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: 'strict', namespace: ns }, spec: approvalSpec(APPROVAL_SCHEMA) } as Resource, ctx);
      await store.create({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'early', namespace: ns }, spec: { workflowRef: 'strict' } } as Resource, ctx);
      expect((await resume('early', { stepId: 'approve', payload: { approved: 1 } })).status).toBe(422);
      expect((await resume('early', { stepId: 'approve', payload: { approved: true } })).status).toBe(200);
    });

    it('refuses an unknown or non-suspending step (422), an ended run (409), a missing run (404) and a body without payload (422)', async () => {
      await suspendedRun('picky', approvalSpec(APPROVAL_SCHEMA));
      const unknown = await resume('picky', { stepId: 'aprove', payload: { approved: true } });
      expect(unknown.status).toBe(422);
      expect(await unknown.json()).toMatchObject({ details: { causes: [{ field: 'stepId', message: 'the workflow has no step "aprove" (steps that suspend: approve)' }] } });
      const notSuspending = await resume('picky', { stepId: 'load', payload: {} });
      expect(notSuspending.status).toBe(422);
      expect(((await notSuspending.json()) as { message: string }).message).toContain('step "load" does not suspend');
      const noPayload = await resume('picky', { stepId: 'approve' });
      expect(noPayload.status).toBe(422);
      expect(((await noPayload.json()) as { message: string }).message).toContain('payload: Required value');

      await setStatus('picky', { phase: 'Cancelled' });
      const ended = await resume('picky', { stepId: 'approve', payload: { approved: true } });
      expect(ended.status).toBe(409);
      expect(((await ended.json()) as { message: string }).message).toContain('the run has already ended (Cancelled)');
      expect((await store.get(runKey('picky')))?.spec?.resume).toBeUndefined();
      expect((await resume('ghost', { stepId: 'approve', payload: {} })).status).toBe(404);
    });
  });

  describe('RBAC on the run endpoints', () => {
    it('refuses execute, resume and events to a user without rights in the namespace, before anything is read or written', async () => {
      // Given a run in ann's namespace, and olga (edit elsewhere) and vic (view here)
      const run = await store.create({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: 'guarded', namespace: ns }, spec: { workflowRef: 'etl' } } as Resource, ctx);
      await appendRunEvents(run, ['RunStarted', { input: {} }]);
      const before = (await store.list({ kind: 'WorkflowRun', namespace: ns })).items.length;
      const as = (bearer: string) => ({ authorization: `Bearer ${bearer}`, 'content-type': 'application/json' });
      const url = (path: string) => `${base}/apis/mastra.ai/v1/namespaces/${ns}/${path}`;
      // When olga executes, resumes or follows events there
      const executed = await fetch(url('workflows/etl/execute'), { method: 'POST', headers: as(otherToken), body: '{}' });
      const resumed = await fetch(url('workflowruns/guarded/resume'), { method: 'POST', headers: as(otherToken), body: JSON.stringify({ stepId: 's', payload: {} }) });
      const followed = await fetch(url('workflowruns/guarded/events?follow=false'), { headers: as(otherToken) });
      // Then each is the apiserver's 403 naming the verb and subresource
      expect(executed.status).toBe(403);
      expect(((await executed.json()) as { message: string }).message).toBe(
        `workflows.mastra.ai "etl" is forbidden: User "olga" cannot create resource "workflows/execute" in API group "mastra.ai" in the namespace "${ns}"`,
      );
      expect(resumed.status).toBe(403);
      expect(((await resumed.json()) as { message: string }).message).toContain('cannot create resource "workflowruns/resume"');
      expect(followed.status).toBe(403);
      expect(((await followed.json()) as { message: string }).message).toContain('cannot get resource "workflowruns/events"');
      // And a viewer may follow events but not execute
      expect((await fetch(url('workflowruns/guarded/events?follow=false'), { headers: as(viewerToken) })).status).toBe(200);
      expect((await fetch(url('workflows/etl/execute'), { method: 'POST', headers: as(viewerToken), body: '{}' })).status).toBe(403);
      // And no run was created, none resumed
      expect((await store.list({ kind: 'WorkflowRun', namespace: ns })).items.length).toBe(before);
      expect((await store.get(runKey('guarded')))?.spec?.resume).toBeUndefined();
    });
  });
});
