import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { createTestDatabase, deleteTestStreams, eventually, freePort, startServiceProcess, testNatsPrefix, type ServiceProcess, type TestDatabase } from '@kastra/testing';
import { main } from '../../../tools/cli/src/main';
import { EXACT_ANSWER, EXACT_ROUTE, SLOW_INPUT, ScriptedNetworkUpstream, TYPO_ANSWER } from './network-generate.scripted-upstream';

/** What the generate endpoint answers (200) or its failure Status. */
interface GenerateAnswer {
  run: string;
  phase: string;
  output?: unknown;
  route: Array<{ step: number; agent: string; reason?: string }>;
  reason?: string;
  message?: string;
  error?: { reason: string; message: string; step?: number };
}

/**
 * A network driven by a scripted OpenAI-compatible model, through real processes from dist/:
 * REST and `kastra` → api-gateway → NetworkRun → network-router → llm-proxy → the scripted
 * upstream (router decisions and member answers), and back as status, events and CLI output.
 */
describe('network runs end to end with a scripted router model (gateway, controller-manager, network-router, llm-proxy)', () => {
  let database: TestDatabase;
  let prefix: string;
  let home: string;
  let upstream: ScriptedNetworkUpstream;
  const services: ServiceProcess[] = [];
  let gateway: ServiceProcess;
  let token: string;

  async function kastra(args: string[]) {
    let out = '';
    let err = '';
    const code = await main(args, {
      env: { KASTRA_SERVER: gateway.url, KASTRA_TOKEN: token, KASTRA_HOME: home },
      cwd: home,
      stdout: (text) => void (out += text),
      stderr: (text) => void (err += text),
      readStdin: async () => '',
    });
    return { code, out, err };
  }
  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}/apis/mastra.ai/v1/namespaces/default${pathname}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  async function generate(body: Record<string, unknown>): Promise<{ status: number; answer: GenerateAnswer }> {
    const res = await api('/networks/scripted-net/generate?timeoutSeconds=60', { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, answer: (await res.json()) as GenerateAnswer };
  }
  const uidOf = async (run: string) => ((await (await api(`/networkruns/${run}`)).json()) as { metadata: { uid: string } }).metadata.uid;
  const logsOnFailure = () => services.map((s) => s.logs().slice(-1500)).join('\n---\n');

  beforeAll(async () => {
    upstream = await ScriptedNetworkUpstream.start();
    database = await createTestDatabase('netgene2e');
    prefix = testNatsPrefix('netgene2e');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-netgen-e2e-'));
    // Only the scripted upstream is opened to the services (loopback is refused otherwise).
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn', KASTRA_EGRESS_ALLOW: `127.0.0.1:${upstream.port}` };
    const [port, httpsPort, grpcPort, controllerPort, routerPort, proxyPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    gateway = await startServiceProcess('api-gateway', port, { ...env, HTTPS_PORT: String(httpsPort), GRPC_PORT: String(grpcPort) });
    services.push(gateway);
    services.push(...(await Promise.all([startServiceProcess('controller-manager', controllerPort, env), startServiceProcess('network-router', routerPort, env), startServiceProcess('llm-proxy', proxyPort, env)])));
    token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'e2e', role: 'admin' });

    // The router and both members on the scripted model, its key in a Secret.
    const manifests = path.join(home, 'scripted-network.yaml');
    fs.writeFileSync(
      manifests,
      `apiVersion: mastra.ai/v1
kind: Secret
metadata: { name: scripted-key, namespace: default }
stringData: { api-key: sk-scripted-e2e }
---
apiVersion: mastra.ai/v1
kind: LLM
metadata: { name: scripted-llm, namespace: default }
spec:
  provider: openai-compatible
  model: scripted-1
  secretRef: { name: scripted-key, key: api-key }
  options: { baseURL: "${upstream.baseUrl}" }
---
apiVersion: mastra.ai/v1
kind: Agent
metadata: { name: analyst, namespace: default }
spec:
  instructions: "You are analyst: you gather and check numbers."
  model: { ref: default.scripted-llm }
---
apiVersion: mastra.ai/v1
kind: Agent
metadata: { name: writer, namespace: default }
spec:
  instructions: "You are writer: you write reports."
  model: { ref: default.scripted-llm }
---
apiVersion: mastra.ai/v1
kind: Network
metadata: { name: scripted-net, namespace: default }
spec:
  instructions: Answer the task with the members.
  agents: [{ name: analyst }, { name: writer }]
  router:
    model: { ref: default.scripted-llm }
    maxSteps: 6
`,
    );
    const applied = await kastra(['apply', '-f', manifests]);
    expect(applied).toMatchObject({ code: 0 });
    await eventually(async () => {
      const network = (await (await api('/networks/scripted-net')).json()) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      return network.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    }, 60_000).catch((error) => {
      throw new Error(`the scripted network did not become Ready: ${String(error)}\n${logsOnFailure()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await upstream?.close();
    await database?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it("follows exactly the route the model decided and answers the model's answer", async () => {
    // When the network is asked, its router model deciding analyst → writer → analyst → done
    const { status, answer } = await generate({ message: '[exact] What is the answer?' });
    // Then the run succeeded with the model's answer, and the route is the model's decisions, in order
    expect({ status, phase: answer.phase, logs: status === 200 ? '' : logsOnFailure() }).toEqual({ status: 200, phase: 'Succeeded', logs: '' });
    expect(answer.output).toBe(EXACT_ANSWER);
    expect(answer.route).toEqual(EXACT_ROUTE.map((decision, i) => ({ step: i + 1, agent: decision.next, reason: decision.reason })));
    // And each member got the input the router gave it, once; the router was asked once per step
    const uid = await uidOf(answer.run);
    expect(upstream.callsOfRun(uid, 'member').map((call) => [call.member, call.content])).toEqual([
      ['analyst', 'analyst did: gather the numbers'],
      ['writer', 'writer did: draft the report'],
      ['analyst', 'analyst did: check the draft'],
    ]);
    expect(upstream.callsOfRun(uid, 'router')).toHaveLength(4);
    // And the router saw each member's result before its next decision
    const last = upstream.callsOfRun(uid, 'router')[3].messages;
    expect(last.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['[exact] What is the answer?', 'analyst did: gather the numbers', 'writer did: draft the report', 'analyst did: check the draft']);

    // And its events tell the same route, ending with the answer
    const events = await (await api(`/networkruns/${answer.run}/events`)).text();
    const decided = [...events.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]) as { type: string; data: { next?: string; answer?: string; output?: unknown } });
    expect(decided.filter((e) => e.type === 'RouteDecided').map((e) => e.data.next)).toEqual(['analyst', 'writer', 'analyst', 'done']);
    expect(decided.at(-1)).toMatchObject({ type: 'NetworkRunSucceeded', data: { output: EXACT_ANSWER } });
  }, 90_000);

  it('kastra generate network streams the route and prints the answer; logs and get show the run', async () => {
    const { code, out, err } = await kastra(['generate', 'network', 'scripted-net', '[exact] Once more, on the command line', '--timeout', '60s']);
    expect({ code, err: code === 0 ? '' : `${err}\n${logsOnFailure()}` }).toEqual({ code: 0, err: '' });
    expect(out).toBe(`${EXACT_ANSWER}\n`);
    const run = /^networkrun\.mastra\.ai\/(scripted-net-[a-z0-9]{5}) created$/m.exec(err)?.[1];
    expect(run).toBeDefined();
    expect(err.split('\n').filter((line) => / {2}[→←] | {2}done /.test(line))).toEqual([
      'step 1  → analyst: gather the numbers (numbers first)',
      'step 1  ← analyst: analyst did: gather the numbers',
      'step 2  → writer: draft the report (now write)',
      'step 2  ← writer: writer did: draft the report',
      'step 3  → analyst: check the draft (verify)',
      'step 3  ← analyst: analyst did: check the draft',
      'step 4  done (finished)',
    ]);

    const logs = await kastra(['logs', 'networkrun', run!, '-f']);
    expect(logs.code).toBe(0);
    expect(logs.out).toMatch(/RouteDecided +step 4 +done \(finished\): Scripted answer: 42/);
    expect(logs.out.trimEnd().split('\n').at(-1)).toMatch(/NetworkRunSucceeded .* after 3 steps: Scripted answer: 42/);

    const listed = await kastra(['get', 'networkruns']);
    expect(listed.code).toBe(0);
    expect(listed.out.split('\n')[0].split(/\s{3,}/)).toEqual(['NAME', 'NETWORK', 'PHASE', 'STEPS', 'SUCCEEDED', 'AGE']);
    expect(listed.out).toMatch(new RegExp(`^${run}\\s+scripted-net\\s+Succeeded\\s+3\\s+True\\s+\\S+$`, 'm'));
  }, 90_000);

  it('stops a router that never says done at maxSteps: Failed MaxStepsReached with the route kept', async () => {
    const { status, answer } = await generate({ message: '[never] Keep going', maxSteps: 3 });
    expect({ status, reason: answer.reason, logs: status === 422 ? '' : logsOnFailure() }).toEqual({ status: 422, reason: 'RunFailed', logs: '' });
    expect(answer).toMatchObject({ phase: 'Failed', error: { reason: 'MaxStepsReached' } });
    expect(answer.route.map((entry) => entry.agent)).toEqual(['writer', 'writer', 'writer']);
    const uid = await uidOf(answer.run);
    expect(upstream.callsOfRun(uid, 'member')).toHaveLength(3);
  }, 90_000);

  it('corrects an unknown member once: a second unknown name fails the run naming it', async () => {
    // A router that misspells a member, then picks it right after the corrective turn
    const typo = await generate({ message: '[typo] Gather the numbers' });
    expect({ status: typo.status, logs: typo.status === 200 ? '' : logsOnFailure() }).toEqual({ status: 200, logs: '' });
    expect(typo.answer).toMatchObject({ phase: 'Succeeded', output: TYPO_ANSWER, route: [{ step: 1, agent: 'analyst', reason: 'corrected' }] });
    const typoCalls = upstream.callsOfRun(await uidOf(typo.answer.run), 'router');
    expect(typoCalls.map((call) => JSON.parse(call.content).next)).toEqual(['analyts', 'analyst', 'done']);
    expect(String(typoCalls[1].messages.at(-1)?.content)).toContain('There is no member named "analyts"');
    expect(upstream.callsOfRun(await uidOf(typo.answer.run), 'member').map((call) => call.member)).toEqual(['analyst']);

    // A router that insists on a member that does not exist
    const ghost = await generate({ message: '[ghost] Haunt the house' });
    expect(ghost.status).toBe(422);
    expect(ghost.answer).toMatchObject({ phase: 'Failed', route: [], error: { reason: 'UnknownMember' } });
    expect(ghost.answer.error?.message).toContain('"ghost"');
    const ghostUid = await uidOf(ghost.answer.run);
    expect(upstream.callsOfRun(ghostUid, 'router')).toHaveLength(2);
    expect(upstream.callsOfRun(ghostUid, 'member')).toHaveLength(0);
  }, 90_000);

  it('kastra cancel networkrun aborts the member in flight and the run ends Cancelled', async () => {
    // Given a run whose member's model call hangs
    const streamed = fetch(`${gateway.url}/apis/mastra.ai/v1/namespaces/default/networks/scripted-net/generate?timeoutSeconds=60`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: '[slow] Take all the time you need' }),
    });
    const res = await streamed;
    const run = res.headers.get('content-location')!.split('/').pop()!;
    const uid = await uidOf(run);
    await eventually(async () => upstream.callsOfRun(uid, 'member').some((call) => call.content.includes(SLOW_INPUT)), 30_000);
    // When it is cancelled from the command line
    expect(await kastra(['cancel', 'networkrun', run])).toEqual({ code: 0, out: `networkrun.mastra.ai/${run} cancel requested\n`, err: '' });
    // Then the stream ends with NetworkRunCancelled well before the member's call would have answered
    const started = Date.now();
    const types = [...(await res.text()).matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(types.at(-1)).toBe('NetworkRunCancelled');
    expect(types).toContain('MemberStarted');
    // (the status follows the events: its writer coalesces)
    await eventually(async () => ((await (await api(`/networkruns/${run}`)).json()) as { status?: { phase?: string } }).status?.phase === 'Cancelled', 10_000);
    expect(await kastra(['cancel', 'nwr', run])).toMatchObject({ code: 0, out: `networkrun.mastra.ai/${run} has already ended (Cancelled)\n` });
  }, 90_000);
});
