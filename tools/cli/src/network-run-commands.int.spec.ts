import * as fs from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from './main';
import { fakeGatewayServer, failureStatus, recordingContext, type RecordedRequest } from './test-context';

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';
type Event = [string, Record<string, unknown>];

const MEMBERS = [{ name: 'search', kind: 'Agent' }, { name: 'summary', kind: 'Agent' }];
/** What the fake gateway streams for a generate on each network (the engine's events of one run). */
const SCRIPTS: Record<string, { events: Event[]; error?: unknown }> = {
  research: {
    events: [
      ['NetworkRunStarted', { network: 'research', message: 'Compare solar and wind', threadId: 't', maxSteps: 5, members: MEMBERS }],
      ['RouteDecided', { step: 1, next: 'search', input: 'Find sources on solar and wind costs', reason: 'facts first', answer: '' }],
      ['MemberStarted', { step: 1, member: 'search', memberKind: 'Agent', input: 'Find sources on solar and wind costs' }],
      ['MemberFinished', { step: 1, member: 'search', output: 'IEA 2024: wind 30 $/MWh, solar 40 $/MWh' }],
      ['RouteDecided', { step: 2, next: 'summary', input: 'Summarise', reason: 'ready to write', answer: '' }],
      ['MemberStarted', { step: 2, member: 'summary', memberKind: 'Agent', input: 'Summarise' }],
      ['MemberFinished', { step: 2, member: 'summary', output: 'Wind is cheaper.' }],
      ['RouteDecided', { step: 3, next: 'done', input: '', reason: 'answered', answer: 'Wind is cheaper than solar, per the IEA.' }],
      ['NetworkRunSucceeded', { output: 'Wind is cheaper than solar, per the IEA.', steps: 2 }],
    ],
  },
  looping: {
    events: [
      ['NetworkRunStarted', { network: 'looping', message: 'x', members: MEMBERS }],
      ['RouteDecided', { step: 1, next: 'search', input: 'again', reason: 'more', answer: '' }],
      ['MemberStarted', { step: 1, member: 'search', memberKind: 'Agent', input: 'again' }],
      ['MemberFailed', { step: 1, member: 'search', error: { type: 'ModelError', message: 'upstream 500' } }],
      ['NetworkRunFailed', { reason: 'MemberFailed', message: 'member search failed: upstream 500', step: 1 }],
    ],
  },
  slow: {
    events: [['NetworkRunStarted', { network: 'slow', message: 'x', members: MEMBERS }]],
    error: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 504, reason: 'Timeout', message: 'network run slow-abcde did not finish within 1s; it is still Running', run: 'slow-abcde', phase: 'Running' },
  },
  cut: { events: [['NetworkRunStarted', { network: 'cut', message: 'x', members: MEMBERS }]] },
};

/** Network runs the fake knows: phase (for cancel) and recorded events (for logs). */
const RUNS: Record<string, { phase: string; events: Event[] }> = {
  'research-b2c4d': { phase: 'Succeeded', events: SCRIPTS.research.events },
  'looping-x7z9q': { phase: 'Running', events: SCRIPTS.looping.events },
};

function sse(res: http.ServerResponse, events: Event[], headers: Record<string, string> = {}, error?: unknown): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
  res.write(': keepalive\n\n');
  events.forEach(([type, data], i) => res.write(`id: ${i + 1}\nevent: ${type}\ndata: ${JSON.stringify({ type, data, streamVersion: i + 1, createdAt: `2026-01-01T00:00:0${i}.000Z` })}\n\n`));
  if (error) res.write(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
  res.end();
}

/** A stand-in for the gateway's network generate and NetworkRun routes. */
function fakeGateway(requests: RecordedRequest[]): http.Server {
  return fakeGatewayServer(requests, (req, res, body, reply) => {
    const url = new URL(req.url!, 'http://x');
    const generate = /^\/apis\/mastra\.ai\/v1\/namespaces\/([^/]+)\/networks\/([^/]+)\/generate$/.exec(url.pathname);
    if (generate && req.method === 'POST') {
      const [, namespace, network] = generate;
      const script = SCRIPTS[network];
      if (!script) return reply(404, failureStatus(404, 'NotFound', `networks.mastra.ai "${network}" not found`));
      if (!JSON.parse(body).message) return reply(422, failureStatus(422, 'Invalid', `Network.mastra.ai "${network}" is invalid: message: Required value`));
      return sse(res, script.events, { 'content-location': `/apis/mastra.ai/v1/namespaces/${namespace}/networkruns/${network}-abcde` }, script.error);
    }
    const run = /^\/apis\/mastra\.ai\/v1\/namespaces\/([^/]+)\/networkruns\/([^/]+)(\/events)?$/.exec(url.pathname);
    const known = run ? RUNS[run[2]] : undefined;
    if (!run || !known) return reply(404, failureStatus(404, 'NotFound', `networkruns.mastra.ai "${run?.[2]}" not found`));
    if (run[3]) return sse(res, url.searchParams.get('follow') === 'false' ? known.events.slice(0, 2) : known.events);
    if (req.method === 'GET') return reply(200, { apiVersion: 'mastra.ai/v1', kind: 'NetworkRun', metadata: { name: run[2], namespace: run[1] }, status: { phase: known.phase } });
    if (req.method === 'PATCH') return reply(200, { metadata: { name: run[2] } });
    reply(405, failureStatus(405, 'MethodNotAllowed', 'no'));
  });
}

describe('kastra generate network, logs networkrun and cancel networkrun against a gateway', () => {
  const requests: RecordedRequest[] = [];
  let server: http.Server;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const kastra = async (args: string[]) => {
    const ctx = recordingContext(env, dir);
    const code = await main(args, ctx);
    return { code, out: ctx.out, err: ctx.err };
  };

  beforeAll(async () => {
    server = fakeGateway(requests);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-cli-networks-'));
    env = { KASTRA_HOME: path.join(dir, 'home'), KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_SERVER: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  });
  beforeEach(() => (requests.length = 0));
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('kastra generate network', () => {
    it('posts the task, prints the route as it happens (stderr) and the answer (stdout), exit 0', async () => {
      const { code, out, err } = await kastra(['generate', 'network', 'research', '-n', 'lab', 'Compare solar and wind', '--thread', 'conv-1', '--max-steps', '4']);
      expect(code).toBe(0);
      expect(out).toBe('Wind is cheaper than solar, per the IEA.\n');
      expect(err.split('\n')).toEqual([
        'networkrun.mastra.ai/research-abcde created',
        'step 1  → search: Find sources on solar and wind costs (facts first)',
        'step 1  ← search: IEA 2024: wind 30 $/MWh, solar 40 $/MWh',
        'step 2  → summary: Summarise (ready to write)',
        'step 2  ← summary: Wind is cheaper.',
        'step 3  done (answered)',
        '',
      ]);
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ method: 'POST', url: '/apis/mastra.ai/v1/namespaces/lab/networks/research/generate?timeoutSeconds=300', contentType: 'application/json' });
      expect(requests[0].authorization).toMatch(/^Bearer ey/);
      expect(JSON.parse(requests[0].body)).toEqual({ message: 'Compare solar and wind', threadId: 'conv-1', maxSteps: 4 });
    });

    it('exits 1 naming the reason when the run fails, with the failed member in the route', async () => {
      const { code, out, err } = await kastra(['generate', 'net', 'looping', 'x', '--timeout', '90s']);
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toContain('step 1  ✗ search: ModelError: upstream 500\n');
      expect(err).toMatch(/networkrun looping-abcde Failed at step 1: MemberFailed: member search failed: upstream 500\n$/);
      expect(requests[0].url).toBe('/apis/mastra.ai/v1/namespaces/default/networks/looping/generate?timeoutSeconds=90');
      expect(JSON.parse(requests[0].body)).toEqual({ message: 'x' });
    });

    it('exits 1 with the server\'s Timeout naming the run, and when the stream breaks off before the run ends', async () => {
      const slow = await kastra(['generate', 'network', 'slow', 'x']);
      expect(slow).toMatchObject({ code: 1, out: '' });
      expect(slow.err).toContain('Error from server (Timeout): network run slow-abcde did not finish within 1s; it is still Running');
      const cut = await kastra(['generate', 'network', 'cut', 'x']);
      expect(cut).toMatchObject({ code: 1, out: '' });
      expect(cut.err).toContain('the event stream ended before the run did; follow it with: kastra logs networkrun cut-abcde -n default -f');
    });

    it('prints the gateway\'s refusal (404), and refuses bad arguments without calling it', async () => {
      expect(await kastra(['generate', 'network', 'nope', 'x'])).toMatchObject({ code: 1, err: 'Error from server (NotFound): networks.mastra.ai "nope" not found\n' });
      expect(requests).toHaveLength(1);
      requests.length = 0;
      expect(await kastra(['generate', 'agent', 'research', 'x'])).toMatchObject({ code: 1, err: expect.stringContaining('kastra generate runs networks') });
      expect(await kastra(['generate', 'network', 'research', '  '])).toMatchObject({ code: 1, err: expect.stringContaining('must not be empty') });
      expect(await kastra(['generate', 'network', 'research', 'x', '--max-steps', '0'])).toMatchObject({ code: 1, err: expect.stringContaining('--max-steps must be a whole number') });
      expect(await kastra(['generate', 'network', 'research', 'x', '--timeout', '11m'])).toMatchObject({ code: 1, err: expect.stringContaining('--timeout must be between 1s and 10m') });
      expect(await kastra(['generate', 'network', 'research'])).toMatchObject({ code: 1, err: expect.stringContaining("missing required argument 'message'") });
      expect(requests).toHaveLength(0);
    });
  });

  describe('kastra logs networkrun', () => {
    it('prints each event of the run on a line: decisions, member results and the answer', async () => {
      const { code, out, err } = await kastra(['logs', 'networkrun', 'research-b2c4d', '-f']);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const lines = out.trimEnd().split('\n');
      expect(lines).toHaveLength(9);
      expect(lines[0]).toBe('2026-01-01T00:00:00.000Z  NetworkRunStarted   -        network research members search, summary max 5 steps: Compare solar and wind');
      expect(lines[1]).toBe('2026-01-01T00:00:01.000Z  RouteDecided        step 1   → search: Find sources on solar and wind costs (facts first)');
      expect(lines[3]).toBe('2026-01-01T00:00:03.000Z  MemberFinished      step 1   ← search: IEA 2024: wind 30 $/MWh, solar 40 $/MWh');
      expect(lines[7]).toBe('2026-01-01T00:00:07.000Z  RouteDecided        step 3   done (answered): Wind is cheaper than solar, per the IEA.');
      expect(lines[8]).toBe('2026-01-01T00:00:08.000Z  NetworkRunSucceeded -        after 2 steps: Wind is cheaper than solar, per the IEA.');
      expect(requests[0].url).toBe('/apis/mastra.ai/v1/namespaces/default/networkruns/research-b2c4d/events');
    });

    it('without -f asks for the events so far; a failed run exits 1; nwr works; an unknown kind is refused', async () => {
      const partial = await kastra(['logs', 'nwr', 'research-b2c4d', '-n', 'default']);
      expect(partial.code).toBe(0);
      expect(partial.out.trimEnd().split('\n')).toHaveLength(2);
      expect(requests[0].url).toBe('/apis/mastra.ai/v1/namespaces/default/networkruns/research-b2c4d/events?follow=false');
      const failed = await kastra(['logs', 'networkrun', 'looping-x7z9q', '-f']);
      expect(failed.code).toBe(1);
      expect(failed.out).toMatch(/NetworkRunFailed +step 1 +MemberFailed: member search failed: upstream 500\n$/);
      expect(await kastra(['logs', 'networkrun', 'ghost'])).toMatchObject({ code: 1, err: expect.stringContaining('(NotFound)') });
      expect(await kastra(['logs', 'pods', 'x'])).toMatchObject({ code: 1, err: expect.stringContaining('"kastra logs networkrun NAME"') });
    });
  });

  describe('kastra cancel networkrun', () => {
    it('merge-patches spec.cancel: true on the NetworkRun, and leaves an ended one alone', async () => {
      expect(await kastra(['cancel', 'networkrun', 'looping-x7z9q'])).toEqual({ code: 0, out: 'networkrun.mastra.ai/looping-x7z9q cancel requested\n', err: '' });
      const patch = requests.find((r) => r.method === 'PATCH')!;
      expect(patch).toMatchObject({ url: '/apis/mastra.ai/v1/namespaces/default/networkruns/looping-x7z9q', contentType: 'application/merge-patch+json' });
      expect(JSON.parse(patch.body)).toEqual({ spec: { cancel: true } });
      requests.length = 0;
      expect(await kastra(['cancel', 'nwr', 'research-b2c4d'])).toEqual({ code: 0, out: 'networkrun.mastra.ai/research-b2c4d has already ended (Succeeded)\n', err: '' });
      expect(requests.map((r) => r.method)).toEqual(['GET']);
      expect(await kastra(['cancel', 'widgets', 'x'])).toMatchObject({ code: 1, err: expect.stringContaining('kastra cancel networkrun NAME') });
    });
  });
});
