import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from './main';
import { fakeGatewayServer, failureStatus, recordingContext, type RecordedRequest } from './test-context';

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** Runs the fake gateway knows, by name: what GET answers (phases advance one per GET). */
type FakeRun = { spec: Record<string, unknown>; phases: Array<Record<string, unknown>>; events?: Array<{ type: string; data: Record<string, unknown> }> };

/** How new runs of a workflow go, one status per GET (the last one stays). */
const SCRIPTS: Record<string, Array<Record<string, unknown>>> = {
  default: [{ phase: 'Pending' }, { phase: 'Running' }, { phase: 'Succeeded', output: { recipe: 'soup' } }],
  failing: [{ phase: 'Running' }, { phase: 'Failed', error: { stepId: 'load', type: 'ToolExecutionError', message: 'db down' } }],
  approval: [{ phase: 'Suspended', steps: { approve: { state: 'Suspended', message: 'OK to load?' } } }, { phase: 'Suspended', steps: { approve: { state: 'Suspended' } } }, { phase: 'Succeeded', output: 1 }],
  stuck: [{ phase: 'Running' }],
};

/** A stand-in for the gateway's WorkflowRun routes, including the SSE events endpoint. */
function fakeGateway(requests: RecordedRequest[], runs: Map<string, FakeRun>): http.Server {
  return fakeGatewayServer(requests, (req, res, body, reply) => {
    const url = new URL(req.url!, 'http://x');
    const match = /^\/apis\/mastra\.ai\/v1\/namespaces\/([^/]+)\/workflowruns(?:\/([^/]+))?(?:\/(events|resume))?$/.exec(url.pathname);
    if (!match) return reply(404, failureStatus(404, 'NotFound', 'the server could not find the requested resource'));
    const [, namespace, name, subresource] = match;
    const events = subresource === 'events';
    if (req.method === 'POST' && !name) {
      const doc = JSON.parse(body);
      if (doc.spec.workflowRef.name === 'missing') return reply(422, failureStatus(422, 'Invalid', 'WorkflowRun is invalid: spec.workflowRef: Workflow missing not found'));
      runs.set(doc.metadata.name, { spec: doc.spec, phases: [...(SCRIPTS[doc.spec.workflowRef.name] ?? SCRIPTS.default)] });
      return reply(201, { ...doc, metadata: { ...doc.metadata, uid: 'u1', resourceVersion: '3' } });
    }
    const run = name ? runs.get(name) : undefined;
    if (!run) return reply(404, failureStatus(404, 'NotFound', `workflowruns.mastra.ai "${name}" not found`));
    if (events) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keepalive\n\n');
      const all = run.events ?? [];
      // Without follow, the fake answers only the first two events (what was "recorded so far").
      const shown = url.searchParams.get('follow') === 'false' ? all.slice(0, 2) : all;
      shown.forEach((event, i) => res.write(`id: ${i + 1}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event, createdAt: `2026-01-01T00:00:0${i}.000Z` })}\n\n`));
      return res.end();
    }
    if (subresource === 'resume' && req.method === 'POST') {
      // As the gateway: ended runs are a Conflict, a payload off the step's schema is Invalid.
      const { stepId, payload } = JSON.parse(body);
      const status = run.phases[0];
      if (['Succeeded', 'Failed', 'Cancelled'].includes(String(status.phase))) {
        return reply(409, failureStatus(409, 'Conflict', `Operation cannot be fulfilled on workflowruns.mastra.ai "${name}": the run has already ended (${status.phase}); there is nothing to resume`));
      }
      if (typeof payload?.approved === 'string') return reply(422, failureStatus(422, 'Invalid', `WorkflowRun.mastra.ai "${name}" is invalid: payload.approved: must be boolean`));
      run.spec = { ...run.spec, resume: { ...(run.spec.resume as object), [stepId]: payload } };
      return reply(200, { apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name, namespace }, spec: run.spec, status });
    }
    if (req.method === 'GET') {
      const current = run.phases.length > 1 ? run.phases.shift()! : run.phases[0];
      return reply(200, { apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name, namespace }, spec: run.spec, status: current });
    }
    if (req.method === 'PATCH') return reply(200, { metadata: { name, namespace } });
    reply(405, failureStatus(405, 'MethodNotAllowed', 'no'));
  });
}

describe('kastra run, logs, resume and cancel against a gateway', () => {
  const requests: RecordedRequest[] = [];
  const runs = new Map<string, FakeRun>();
  let server: http.Server;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const kastra = async (args: string[]) => {
    const ctx = recordingContext(env, dir);
    const code = await main(args, ctx);
    return { code, out: ctx.out, err: ctx.err };
  };

  beforeAll(async () => {
    server = fakeGateway(requests, runs);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-cli-runs-'));
    env = { KASTRA_HOME: path.join(dir, 'home'), KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_SERVER: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  });
  beforeEach(() => (requests.length = 0));
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('kastra run workflow', () => {
    it('creates a WorkflowRun with the input and prints its name', async () => {
      const { code, out, err } = await kastra(['run', 'workflow', 'recipe-suggestion', '-n', 'cooking', '--input', '{"ingredients":["leek"]}']);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(out).toMatch(/^recipe-suggestion-[a-z0-9]{5}\n$/);
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ method: 'POST', url: '/apis/mastra.ai/v1/namespaces/cooking/workflowruns', contentType: 'application/json' });
      expect(requests[0].authorization).toMatch(/^Bearer ey/);
      expect(JSON.parse(requests[0].body)).toEqual({
        apiVersion: 'mastra.ai/v1',
        kind: 'WorkflowRun',
        metadata: { name: out.trim(), namespace: 'cooking', labels: { 'mastra.ai/workflow': 'recipe-suggestion' } },
        spec: { workflowRef: { name: 'recipe-suggestion' }, input: { ingredients: ['leek'] } },
      });
    });

    it('with --wait follows the run and prints its output', async () => {
      const { code, out, err } = await kastra(['run', 'wf', 'soup', '--wait', '--timeout', '10s']);
      expect(code).toBe(0);
      expect(JSON.parse(out)).toEqual({ recipe: 'soup' });
      expect(err).toMatch(/^workflowrun\.mastra\.ai\/soup-[a-z0-9]{5} created\n$/);
      expect(requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    }, 10_000);

    it('with --wait exits 1 naming the failing step', async () => {
      const { code, out, err } = await kastra(['run', 'workflow', 'failing', '--wait']);
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toMatch(/workflowrun failing-[a-z0-9]{5} Failed at step load: ToolExecutionError: db down\n$/);
    }, 10_000);

    it('with --wait stops at a suspended run: names the step and the resume command, exit 3', async () => {
      // Given a workflow whose run suspends at once (and would succeed after a resume)
      // When it is run with --wait and a long timeout
      const started = Date.now();
      const { code, out, err } = await kastra(['run', 'workflow', 'approval', '-n', 'ops', '--wait', '--timeout', '60s']);
      // Then it returns at once with exit 3, no output, and says how to go on
      expect(Date.now() - started).toBeLessThan(5000);
      expect(code).toBe(3);
      expect(out).toBe('');
      const hints = err.split('\n').filter((line) => line.includes('is suspended'));
      expect(hints).toHaveLength(1);
      expect(hints[0]).toMatch(/^workflowrun approval-[a-z0-9]{5} is suspended at step approve \(OK to load\?\); resume it with: kastra resume approval-[a-z0-9]{5} -n ops --step approve --data/);
      expect(requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    }, 10_000);

    it('with --wait gives up after --timeout with exit 1, naming how to follow the run', async () => {
      const started = Date.now();
      const { code, err } = await kastra(['run', 'workflow', 'stuck', '--wait', '--timeout', '1s']);
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(err).toMatch(/is still Running after 1s; follow it with: kastra logs run stuck-[a-z0-9]{5} -n default -f/);
    }, 10_000);

    it('rejects bad input, bad timeouts and other kinds before calling the gateway, and reports Status errors', async () => {
      expect(await kastra(['run', 'workflow', 'x', '--input', '{nope'])).toMatchObject({ code: 1, err: expect.stringContaining('--input must be JSON') });
      expect(await kastra(['run', 'workflow', 'x', '--timeout', 'soon'])).toMatchObject({ code: 1, err: expect.stringContaining('--timeout "soon" is not a duration') });
      expect(await kastra(['run', 'agent', 'x'])).toMatchObject({ code: 1, err: expect.stringContaining('kastra run runs workflows') });
      expect(requests).toHaveLength(0);
      expect(await kastra(['run', 'workflow', 'missing'])).toMatchObject({ code: 1, err: 'Error from server (Invalid): WorkflowRun is invalid: spec.workflowRef: Workflow missing not found\n' });
    });
  });

  describe('kastra logs run', () => {
    const events = [
      { type: 'RunStarted', data: { workflow: { namespace: 'cooking', name: 'recipe-suggestion' }, input: { ingredients: ['leek'] } } },
      { type: 'StepScheduled', data: { stepId: 'suggest', visit: 1, input: { ingredients: ['leek'] } } },
      { type: 'StepStarted', data: { stepId: 'suggest', attempt: 1, replica: 'host-1' } },
      { type: 'StepRetrying', data: { stepId: 'suggest', attempt: 1, error: { type: 'Timeout', message: 'over 5s' }, retryAt: '2026-01-01T00:00:09.000Z' } },
      { type: 'StepSucceeded', data: { stepId: 'suggest', output: { text: 'x'.repeat(300) } } },
      { type: 'RunSucceeded', data: { output: { ok: true } } },
    ];

    it('-f prints every event, one line each: time, type, step, short detail', async () => {
      runs.set('r1', { spec: {}, phases: [{ phase: 'Succeeded' }], events });
      const { code, out, err } = await kastra(['logs', 'run', 'r1', '-n', 'cooking', '-f']);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const lines = out.trimEnd().split('\n');
      expect(lines).toHaveLength(6);
      expect(lines[0]).toMatch(/^2026-01-01T00:00:00\.000Z {2}RunStarted +- +workflow cooking\.recipe-suggestion input \{"ingredients":\["leek"\]\}$/);
      expect(lines[2]).toMatch(/StepStarted +suggest +attempt 1 on host-1$/);
      expect(lines[3]).toContain('attempt 1 failed: Timeout: over 5s; retry at 2026-01-01T00:00:09.000Z');
      expect(lines[4].length).toBeLessThan(200);
      expect(lines[4]).toMatch(/output \{"text":"x+…$/);
      expect(lines[5]).toMatch(/RunSucceeded +- +output \{"ok":true\}$/);
      expect(requests[0].url).toBe('/apis/mastra.ai/v1/namespaces/cooking/workflowruns/r1/events');
      expect(requests[0].authorization).toMatch(/^Bearer ey/);
    });

    it('without -f asks for the events recorded so far', async () => {
      const { code, out } = await kastra(['logs', 'run', 'r1', '-n', 'cooking']);
      expect(code).toBe(0);
      expect(out.trimEnd().split('\n')).toHaveLength(2);
      expect(requests[0].url).toBe('/apis/mastra.ai/v1/namespaces/cooking/workflowruns/r1/events?follow=false');
    });

    it('exits 1 when the run failed, or when the stream ends before the run does', async () => {
      runs.set('r2', { spec: {}, phases: [{}], events: [events[0], { type: 'RunFailed', data: { stepId: 'load', error: { type: 'ToolExecutionError', message: 'db down' } } }] });
      const failed = await kastra(['logs', 'run', 'r2', '-f']);
      expect(failed.code).toBe(1);
      expect(failed.out).toMatch(/RunFailed +load +ToolExecutionError: db down\n$/);
      runs.set('r3', { spec: {}, phases: [{}], events: events.slice(0, 2) });
      expect(await kastra(['logs', 'run', 'r3', '-f'])).toMatchObject({ code: 1, err: 'error: the event stream ended before the run did\n' });
    });

    it('reports a missing run as the gateway Status and other kinds as usage errors', async () => {
      expect(await kastra(['logs', 'run', 'ghost', '-f'])).toMatchObject({ code: 1, err: 'Error from server (NotFound): workflowruns.mastra.ai "ghost" not found\n' });
      expect(await kastra(['logs', 'pod', 'x'])).toMatchObject({ code: 1, err: expect.stringContaining('use "kastra logs run NAME"') });
    });
  });

  describe('kastra resume and cancel', () => {
    it("resume posts the step and payload to the run's resume endpoint", async () => {
      runs.set('held', { spec: { workflowRef: 'x' }, phases: [{ phase: 'Suspended', steps: { approve: { state: 'Suspended' } } }] });
      const { code, out, err } = await kastra(['resume', 'held', '--step', 'approve', '--data', '{"approved":true}']);
      expect({ code, out, err }).toEqual({ code: 0, out: 'workflowrun.mastra.ai/held resumed (step approve)\n', err: '' });
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ method: 'POST', url: '/apis/mastra.ai/v1/namespaces/default/workflowruns/held/resume', contentType: 'application/json' });
      expect(JSON.parse(requests[0].body)).toEqual({ stepId: 'approve', payload: { approved: true } });
    });

    it("resume prints the server's rejection of a payload and exits 1", async () => {
      runs.set('strict', { spec: { workflowRef: 'x' }, phases: [{ phase: 'Suspended', steps: { approve: { state: 'Suspended' } } }] });
      const { code, out, err } = await kastra(['resume', 'strict', '--step', 'approve', '--data', '{"approved":"yes"}']);
      expect({ code, out }).toEqual({ code: 1, out: '' });
      expect(err).toBe('Error from server (Invalid): WorkflowRun.mastra.ai "strict" is invalid: payload.approved: must be boolean\n');
    });

    it('resume notes a step that is not suspended yet, reports ended runs, refuses null and non-JSON data', async () => {
      runs.set('early', { spec: {}, phases: [{ phase: 'Running', steps: {} }] });
      const early = await kastra(['resume', 'early', '--step', 'approve', '--data', '"ok"']);
      expect(early).toMatchObject({ code: 0, err: 'note: step approve is not suspended now (not reached yet); the payload is used when it suspends\n' });
      runs.set('over', { spec: {}, phases: [{ phase: 'Succeeded' }] });
      expect(await kastra(['resume', 'over', '--step', 'approve', '--data', '{}'])).toMatchObject({
        code: 1,
        err: 'Error from server (Conflict): Operation cannot be fulfilled on workflowruns.mastra.ai "over": the run has already ended (Succeeded); there is nothing to resume\n',
      });
      requests.length = 0;
      expect(await kastra(['resume', 'early', '--step', 'approve', '--data', 'null'])).toMatchObject({ code: 1, err: expect.stringContaining('--data must not be null') });
      expect(await kastra(['resume', 'early', '--step', 'approve', '--data', '{x'])).toMatchObject({ code: 1, err: expect.stringContaining('--data must be JSON') });
      expect(await kastra(['resume', 'early', '--data', '{}'])).toMatchObject({ code: 1 });
      expect(requests).toHaveLength(0);
    });

    it('cancel merge-patches spec.cancel: true, and leaves an ended run alone', async () => {
      runs.set('busy', { spec: {}, phases: [{ phase: 'Running' }] });
      expect(await kastra(['cancel', 'busy', '-n', 'ops'])).toEqual({ code: 0, out: 'workflowrun.mastra.ai/busy cancel requested\n', err: '' });
      const patch = requests.find((r) => r.method === 'PATCH')!;
      expect(patch).toMatchObject({ url: '/apis/mastra.ai/v1/namespaces/ops/workflowruns/busy', contentType: 'application/merge-patch+json' });
      expect(JSON.parse(patch.body)).toEqual({ spec: { cancel: true } });
      requests.length = 0;
      expect(await kastra(['cancel', 'over'])).toEqual({ code: 0, out: 'workflowrun.mastra.ai/over has already ended (Succeeded)\n', err: '' });
      expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
      expect(await kastra(['cancel', 'ghost'])).toMatchObject({ code: 1, err: expect.stringContaining('(NotFound)') });
    });
  });
});
