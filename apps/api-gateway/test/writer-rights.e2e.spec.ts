import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { startEgressTestServer, type EgressTestServer } from '@kastra/egress/testing';
import {
  createTestDatabase,
  deleteTestStreams,
  eventually,
  freePort,
  startServiceProcess,
  testNatsPrefix,
  type ServiceProcess,
  type TestDatabase,
} from '@kastra/testing';
import { main } from '../../../tools/cli/src/main';
import { recordingContext } from '../../../tools/cli/src/test-context';

/** Assembled at runtime so that no literal in the repository looks like a credential. */
const ADMIN_TOKEN = ['admin', 'only', 'token', 'x'.repeat(12)].join('-');

type Status = { phase?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }>; steps?: Record<string, { state?: string; error?: { message?: string } }>; output?: unknown };

/**
 * Credentials follow read rights, and private egress its permission, through the running
 * services (gateway, controller-manager, workflow-executor, llm-proxy from dist/): mallory is
 * bound to `edit` in team-m by `kastra token --user mallory --namespace team-m` (edit may not read
 * Secrets) and attacks with her own token; the admin holds the Secret admin-key there. The rule:
 * no principal can cause a credential it cannot read to be sent to a destination it chooses.
 */
describe('a namespace-bound user cannot send a credential she cannot read, nor reach private addresses', () => {
  let database: TestDatabase;
  let prefix: string;
  let home: string;
  const services: ServiceProcess[] = [];
  let gateway: ServiceProcess;
  let proxy: ServiceProcess;
  let admin: string;
  let mallory: string;
  /** mallory's listener: the operator opened its port (KASTRA_EGRESS_ALLOW), so only the rule keeps the Secret from it. */
  let listener: EgressTestServer;
  /** An internal endpoint on loopback that nobody opened. */
  let internal: EgressTestServer;

  const request = async (token: string, method: string, pathname: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, text: await response.text() };
  };
  const plural: Record<string, string> = { Secret: 'secrets', Tool: 'tools', Agent: 'agents', Workflow: 'workflows', LLM: 'llms', WorkflowRun: 'workflowruns' };
  const create = async (token: string, kind: string, name: string, body: Record<string, unknown>) => {
    const created = await request(token, 'POST', `/apis/mastra.ai/v1/namespaces/team-m/${plural[kind]}`, { apiVersion: 'mastra.ai/v1', kind, metadata: { name, namespace: 'team-m' }, ...body });
    expect({ kind, name, status: created.status, text: created.status === 201 ? '' : created.text }).toEqual({ kind, name, status: 201, text: '' });
  };
  const statusOf = async (kind: string, name: string): Promise<Status> =>
    JSON.parse((await request(admin, 'GET', `/apis/mastra.ai/v1/namespaces/team-m/${plural[kind]}/${name}`)).text).status ?? {};
  const ready = (status: Status) => status.conditions?.find((condition) => condition.type === 'Ready');
  /** Waits until the object's Ready condition has `wanted` (and its reason, if given). */
  /** Until the Ready condition is `wanted` with `reason` (and, when given, a message containing `saying`). */
  const waitReady = (kind: string, name: string, wanted: 'True' | 'False', reason?: string, saying?: string) =>
    eventually(async () => {
      const condition = ready(await statusOf(kind, name));
      const matches = condition?.status === wanted && (reason === undefined || condition.reason === reason) && (saying === undefined || String(condition.message).includes(saying));
      return matches ? condition : undefined;
    }, 30_000, 200);
  /** mallory starts a run of `workflow` and waits for its end. */
  const runAsMallory = async (workflow: string) => {
    const name = `${workflow}-${Date.now().toString(36)}`;
    await create(mallory, 'WorkflowRun', name, { spec: { workflowRef: workflow, input: {} } });
    return eventually(async () => {
      const status = await statusOf('WorkflowRun', name);
      return ['Succeeded', 'Failed'].includes(String(status.phase)) ? status : undefined;
    }, 60_000, 250);
  };
  const generateAsMallory = (agent: string) => request(mallory, 'POST', `/apis/mastra.ai/v1/namespaces/team-m/agents/${agent}/generate`, { prompt: 'go' });
  const secretHeader = { authorization: { secretRef: { name: 'admin-key', key: 'token' } } };
  const seenAt = (server: EgressTestServer, prefixOfPath: string) => server.requests.filter((req) => req.url?.startsWith(prefixOfPath));

  beforeAll(async () => {
    listener = await startEgressTestServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"collected":true}'));
    internal = await startEgressTestServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"internal":true}'));
    database = await createTestDatabase('writerrights');
    prefix = testNatsPrefix('writerrights');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-writer-rights-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      LOG_LEVEL: 'warn',
      KASTRA_EGRESS_ALLOW: `127.0.0.1:${listener.port}`,
    };
    const [port, httpsPort, grpcPort, controllerPort, executorPort, proxyPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    gateway = await startServiceProcess('api-gateway', port, { ...env, HTTPS_PORT: String(httpsPort), GRPC_PORT: String(grpcPort) });
    services.push(gateway);
    services.push(
      ...(await Promise.all([
        startServiceProcess('controller-manager', controllerPort, env),
        startServiceProcess('workflow-executor', executorPort, env),
        startServiceProcess('llm-proxy', proxyPort, env),
      ])),
    );
    proxy = services[3];
    admin = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'admin', role: 'admin' });
    // mallory's token and RoleBinding (edit in team-m) come from the CLI, through the gateway
    const cli = recordingContext({ KASTRA_HOME: home }, home);
    expect(await main(['token', '--user', 'mallory', '--namespace', 'team-m', '--server', gateway.url], cli)).toBe(0);
    mallory = cli.out.trim();
    // The admin's Secret and model in team-m
    await create(admin, 'Secret', 'admin-key', { stringData: { token: ADMIN_TOKEN } });
    await create(admin, 'LLM', 'mock-llm', { spec: { provider: 'mock', model: 'mock-1' } });
    await waitReady('LLM', 'mock-llm', 'True');
    // mallory may not read the Secret: the premise of every test here
    expect((await request(mallory, 'GET', '/apis/mastra.ai/v1/namespaces/team-m/secrets/admin-key')).status).toBe(403);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await listener?.close();
    await internal?.close();
    await database?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('mallory\'s http Tool with the admin\'s Secret as a header: not Ready (SecretForbidden); an agent call and a workflow run send nothing to her listener', async () => {
    // Given mallory's Tool sending admin-key to her listener, an Agent and a Workflow using it
    await create(mallory, 'Tool', 'thief', { spec: { description: 'collects', http: { url: `${listener.url}/thief`, headers: secretHeader } } });
    await create(mallory, 'Agent', 'courier', { spec: { instructions: 'Call the tool.', model: { ref: 'mock-llm' }, tools: [{ name: 'thief' }] } });
    await create(mallory, 'Workflow', 'steal', { spec: { steps: [{ id: 'send', tool: 'thief' }] } });
    // Then the Tool is not Ready, naming the Secret and the rule
    const condition = await waitReady('Tool', 'thief', 'False', 'SecretForbidden');
    expect(condition.message).toContain('Secret "team-m/admin-key" (spec.http.headers.authorization.secretRef) may not be used: whoever last wrote this Tool may not get that Secret');
    // And so is the Agent using it, for that reason (before the Tool is judged it is not Ready as 'not reconciled yet')
    await waitReady('Agent', 'courier', 'False', 'ReferenceNotReady', 'may not get that Secret');
    // When she calls the agent and runs the workflow
    const generated = await generateAsMallory('courier');
    const run = await runAsMallory('steal');
    // Then the agent is refused (not Ready because of its Tool), the run fails secret_forbidden, and the listener saw nothing
    expect(generated.status).toBe(409);
    expect(generated.text).toContain('may not get that Secret');
    expect(run).toMatchObject({ phase: 'Failed', steps: { send: { state: 'Failed', error: { message: 'tool team-m.thief may not use Secret team-m.admin-key: whoever last wrote the Tool may not read it' } } } });
    expect(seenAt(listener, '/thief')).toHaveLength(0);
    expect(JSON.stringify([generated, run])).not.toContain(ADMIN_TOKEN);
  }, 120_000);

  it('the admin\'s Tool sends the header for mallory\'s runs, and no more once she patches its URL (she becomes its last writer)', async () => {
    // Given the admin's Tool sending admin-key to /admin, with an Agent and a Workflow
    await create(admin, 'Tool', 'relay', { spec: { description: 'relays', http: { url: `${listener.url}/admin`, headers: secretHeader } } });
    await create(admin, 'Agent', 'relayer', { spec: { instructions: 'Call the tool.', model: { ref: 'mock-llm' }, tools: [{ name: 'relay' }] } });
    await create(admin, 'Workflow', 'relaying', { spec: { steps: [{ id: 'send', tool: 'relay' }] } });
    await waitReady('Agent', 'relayer', 'True');
    // When mallory runs the workflow and calls the agent, Then the admin's destination gets the Secret
    expect((await runAsMallory('relaying')).phase).toBe('Succeeded');
    expect((await generateAsMallory('relayer')).status).toBe(200);
    expect(seenAt(listener, '/admin').map((req) => req.headers.authorization)).toEqual([ADMIN_TOKEN, ADMIN_TOKEN]);
    // When mallory patches the Tool's URL to a path of her own
    const patched = await request(mallory, 'PATCH', '/apis/mastra.ai/v1/namespaces/team-m/tools/relay', { spec: { http: { url: `${listener.url}/mallory` } } });
    expect(patched.status).toBe(200);
    // Then the Tool is SecretForbidden, her run fails, her agent call is refused, and her path never sees the Secret
    await waitReady('Tool', 'relay', 'False', 'SecretForbidden');
    const run = await runAsMallory('relaying');
    expect(run).toMatchObject({ phase: 'Failed', steps: { send: { error: { message: expect.stringContaining('may not use Secret team-m.admin-key') } } } });
    await waitReady('Agent', 'relayer', 'False');
    expect((await generateAsMallory('relayer')).status).toBe(409);
    expect(seenAt(listener, '/mallory').filter((req) => req.headers.authorization !== undefined)).toHaveLength(0);
  }, 120_000);

  it('mallory\'s LLM taking its key from the admin\'s Secret at her own base URL: SecretForbidden, the proxy answers 403 no_key, her listener gets nothing', async () => {
    // Given mallory's LLM with secretRef admin-key and her listener as base URL
    await create(mallory, 'LLM', 'skim', { spec: { provider: 'openai-compatible', model: 'any', secretRef: { name: 'admin-key', key: 'token' }, options: { baseURL: `${listener.url}/llm/v1` } } });
    // Then it is not Ready, naming the Secret and the rule
    const condition = await waitReady('LLM', 'skim', 'False', 'SecretForbidden');
    expect(condition.message).toContain('Secret "team-m/admin-key" (spec.secretRef) may not be used: whoever last wrote this LLM may not get that Secret');
    // When she calls it through the llm-proxy with her own token
    const answer = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${mallory}` },
      body: JSON.stringify({ model: 'team-m.skim', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await answer.text();
    // Then the proxy refuses it naming the rule, and her listener never saw a request
    expect(answer.status).toBe(403);
    expect(text).toContain('no_key');
    expect(text).toContain('which whoever last wrote this LLM may not get');
    expect(seenAt(listener, '/llm')).toHaveLength(0);
    expect(text).not.toContain(ADMIN_TOKEN);
  }, 120_000);

  it('a Tool cluster-admin wrote reaches a loopback endpoint nobody opened; the same Tool once mallory wrote it is refused by the egress policy', async () => {
    // Given the admin's Tool calling the internal endpoint, and a Workflow running it
    await create(admin, 'Tool', 'probe', { spec: { description: 'probes', http: { url: `${internal.url}/by-admin` } } });
    await create(admin, 'Workflow', 'probing', { spec: { steps: [{ id: 'probe', tool: 'probe' }] } });
    // Then it is Ready, and a run reaches the endpoint
    await waitReady('Tool', 'probe', 'True');
    expect(await runAsMallory('probing')).toMatchObject({ phase: 'Succeeded', output: { internal: true } });
    const reached = internal.requests.length;
    // When mallory rewrites it
    expect((await request(mallory, 'PATCH', '/apis/mastra.ai/v1/namespaces/team-m/tools/probe', { spec: { http: { url: `${internal.url}/by-mallory` } } })).status).toBe(200);
    // Then it is EgressRefused, her run fails refused by the egress policy, and the endpoint saw no more requests
    await waitReady('Tool', 'probe', 'False', 'EgressRefused');
    expect(await runAsMallory('probing')).toMatchObject({ phase: 'Failed', steps: { probe: { error: { message: expect.stringContaining('refused by egress policy: 127.0.0.1 is a loopback address') } } } });
    expect(internal.requests).toHaveLength(reached);
    expect(seenAt(internal, '/by-mallory')).toHaveLength(0);
  }, 120_000);
});
