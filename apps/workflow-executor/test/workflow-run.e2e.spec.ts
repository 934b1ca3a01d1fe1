import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import {
  REPO,
  createKubectl,
  createTestDatabase,
  deleteTestStreams,
  eventually,
  freePort,
  startServiceProcess,
  testNatsPrefix,
  type KubectlResult,
  type ServiceProcess,
  type TestDatabase,
} from '@kastra/testing';
import { main } from '../../../tools/cli/src/main';

/**
 * The whole path of a run with real processes from dist/: kubectl / the CLI / the REST API →
 * api-gateway → event log → workflow-executor → llm-proxy (mock provider) and script tools, and
 * back as status, SSE events and `kastra logs`.
 */
describe('workflow runs end to end (gateway, controller-manager, workflow-executor, llm-proxy)', () => {
  let database: TestDatabase;
  let prefix: string;
  let home: string;
  const services: ServiceProcess[] = [];
  let gateway: ServiceProcess;
  let proxy: ServiceProcess;
  let token: string;
  let tokens: JwtAuthority;
  let kubectl: (args: string[]) => Promise<KubectlResult>;

  /** `kastra ...` in-process against the gateway under test. */
  async function kastra(args: string[]) {
    let out = '';
    let err = '';
    const code = await main(args, {
      env: { KASTRA_SERVER: gateway.url, KASTRA_TOKEN: token, KASTRA_HOME: home },
      cwd: REPO,
      stdout: (text) => void (out += text),
      stderr: (text) => void (err += text),
      readStdin: async () => '',
    });
    return { code, out, err };
  }
  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}/apis/mastra.ai/v1${pathname}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const logsOnFailure = () => services.map((s) => s.logs().slice(-1500)).join('\n---\n');

  beforeAll(async () => {
    database = await createTestDatabase('wfrune2e');
    prefix = testNatsPrefix('wfrune2e');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-wfrun-e2e-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn' };
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
    tokens = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret);
    token = tokens.issue({ sub: 'e2e', role: 'admin' });
    kubectl = createKubectl({ home, httpsPort, token }).run;

    // The examples/ manifests (top level: the mock provider only), Ready before runs start.
    const applied = await kubectl(['apply', '-f', path.join(REPO, 'examples')]);
    expect(applied).toMatchObject({ code: 0 });
    const ready = await kubectl(['wait', '--for=condition=Ready', '--all', 'agents,llms,tools,workflows', '-A', '--timeout=60s']);
    expect({ code: ready.code, stderr: ready.stderr }).toEqual({ code: 0, stderr: '' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await database?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs the recipe-suggestion example to Succeeded: kubectl create, kubectl wait, status output', async () => {
    // Given the example run created with kubectl
    const created = await kubectl(['create', '-f', path.join(REPO, 'examples/workflowruns/recipe-suggestion-run.yaml')]);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining('workflowrun.mastra.ai/recipe-suggestion-example created') });
    // When kubectl waits for the Succeeded condition
    const waited = await kubectl(['wait', '--for=condition=Succeeded', 'workflowrun/recipe-suggestion-example', '-n', 'cooking', '--timeout=60s']);
    // Then it ends True, and the status holds both steps and the recipes
    expect({ code: waited.code, stderr: waited.stderr, logs: waited.code === 0 ? '' : logsOnFailure() }).toMatchObject({ code: 0, stderr: '' });
    const run = JSON.parse((await kubectl(['get', 'workflowrun', 'recipe-suggestion-example', '-n', 'cooking', '-o', 'json'])).stdout);
    expect(run.status).toMatchObject({ phase: 'Succeeded', steps: { 'check-ingredients': { state: 'Succeeded' }, 'find-recipes': { state: 'Succeeded' } } });
    expect(Array.isArray(run.status.output.recipes)).toBe(true);
  }, 90_000);

  it('streams the run events RunStarted..RunSucceeded over SSE, and kastra logs prints them', async () => {
    const res = await api('/namespaces/cooking/workflowruns/recipe-suggestion-example/events');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const types = [...(await res.text()).matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    expect(types[0]).toBe('RunStarted');
    expect(types.at(-1)).toBe('RunSucceeded');
    expect(types.filter((t) => t === 'StepSucceeded')).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(['StepScheduled', 'StepStarted']));

    const logs = await kastra(['logs', 'run', 'recipe-suggestion-example', '-n', 'cooking', '-f']);
    expect(logs.code).toBe(0);
    const lines = logs.out.trimEnd().split('\n');
    expect(lines).toHaveLength(types.length);
    expect(lines.find((l) => /StepSucceeded +find-recipes +output \{"recipes":/.test(l))).toBeDefined();
  }, 30_000);

  it('POST .../workflows/recipe-suggestion/execute answers the output of a fresh run', async () => {
    const res = await api('/namespaces/cooking/workflows/recipe-suggestion/execute?timeoutSeconds=60', { method: 'POST', body: JSON.stringify({ message: 'tomato and egg' }) });
    const body = (await res.json()) as { run: string; phase: string; output: { recipes: unknown[] } };
    expect({ status: res.status, phase: body.phase }).toEqual({ status: 200, phase: 'Succeeded' });
    expect(body.run).toMatch(/^recipe-suggestion-[a-z0-9]{5}$/);
    expect(Array.isArray(body.output.recipes)).toBe(true);
  }, 90_000);

  it('runs the data-processing example (extract → transform → load) to Succeeded', async () => {
    expect((await kubectl(['create', '-f', path.join(REPO, 'examples/workflowruns/data-processing-run.yaml')])).code).toBe(0);
    const waited = await kubectl(['wait', '--for=condition=Succeeded', 'workflowrun/data-processing-example', '--timeout=60s']);
    expect({ code: waited.code, stderr: waited.stderr }).toEqual({ code: 0, stderr: '' });
    const run = JSON.parse((await kubectl(['get', 'wfr', 'data-processing-example', '-o', 'json'])).stdout);
    expect(run.status.steps).toMatchObject({ extract: { state: 'Succeeded' }, transform: { state: 'Succeeded' }, load: { state: 'Succeeded' } });
    // and the steps ran in order, each after the one before it
    const logs = await kastra(['logs', 'run', 'data-processing-example']);
    const order = [...logs.out.matchAll(/StepSucceeded +(\S+)/g)].map((m) => m[1]);
    expect(order).toEqual(['extract', 'transform', 'load']);
  }, 90_000);

  it('charges a run\'s model calls to the user who created it: a user with RPM 1 gets its second agent step rate-limited', async () => {
    // Given a user allowed to edit namespace default with an LLM limit of 1 request per minute
    const user = `rpm-one-${Date.now()}`;
    const asAdmin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const limited = await fetch(`${proxy.url}/api/v1/llm/user-limits/${user}`, { method: 'PUT', headers: asAdmin, body: JSON.stringify({ rpm_limit: 1, tpm_limit: 1_000_000 }) });
    expect(limited.status).toBe(200);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${user}-edit`, namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
    };
    const bound = await fetch(`${gateway.url}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings`, { method: 'POST', headers: asAdmin, body: JSON.stringify(binding) });
    expect(bound.status).toBe(201);
    // and a workflow of two agent steps (no retries)
    const workflow = { apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: 'two-model-calls', namespace: 'default' }, spec: { steps: [
      { id: 'first', agent: 'extract-agent', input: { type: 'user-input' } },
      { id: 'second', agent: 'transform-agent' },
    ] } };
    expect((await api('/namespaces/default/workflows', { method: 'POST', body: JSON.stringify(workflow) })).status).toBe(201);
    expect((await kubectl(['wait', '--for=condition=Ready', 'workflow/two-model-calls', '-n', 'default', '--timeout=30s'])).code).toBe(0);

    // When that user starts a run of it
    const run = { apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name: `limited-${Date.now()}`, namespace: 'default' }, spec: { workflowRef: 'two-model-calls', input: 'a,b' } };
    const created = await fetch(`${gateway.url}/apis/mastra.ai/v1/namespaces/default/workflowruns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.issue({ sub: user })}`, 'content-type': 'application/json' },
      body: JSON.stringify(run),
    });
    expect(created.status).toBe(201);

    // Then the first step's call was the user's one request of the minute, and the second was refused for that user
    const ended = await eventually(async () => {
      const current = (await (await api(`/namespaces/default/workflowruns/${run.metadata.name}`)).json()) as { status?: { phase?: string; steps?: Record<string, { state?: string; error?: { message?: string } }> } };
      return ['Succeeded', 'Failed'].includes(String(current.status?.phase)) ? current.status! : undefined;
    }, 60_000, 250);
    expect(ended).toMatchObject({ phase: 'Failed', steps: { first: { state: 'Succeeded' }, second: { state: 'Failed' } } });
    expect(ended.steps?.second.error?.message).toMatch(/rate|limit|429/i);
    // and the proxy recorded both calls under the user, not the executor
    const usageOf = async () => {
      const body = (await (await fetch(`${proxy.url}/api/v1/llm/usage?user=${user}`, { headers: asAdmin })).json()) as { usage: Array<{ user: string; requests: number; rateLimited: number }> };
      const rows = body.usage.filter((row) => row.user === user);
      return { requests: rows.reduce((sum, row) => sum + row.requests, 0), rateLimited: rows.reduce((sum, row) => sum + row.rateLimited, 0) };
    };
    await eventually(async () => (await usageOf()).rateLimited === 1, 15_000, 250);
    expect(await usageOf()).toEqual({ requests: 2, rateLimited: 1 });
  }, 120_000);

  it('kastra run --wait, resume of a suspended step and cancel drive real runs', async () => {
    // Given a tool-only workflow that waits for approval before reading the clock
    const manifest = (doc: Record<string, unknown>) => api(`/namespaces/ops/${doc.kind === 'Tool' ? 'tools' : 'workflows'}`, { method: 'POST', body: JSON.stringify(doc) });
    expect((await manifest({ apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name: 'clock', namespace: 'ops' }, spec: { builtin: 'current-time', description: 'now' } })).status).toBe(201);
    expect(
      (await manifest({
        apiVersion: 'mastra.ai/v1',
        kind: 'Workflow',
        metadata: { name: 'approve-then-clock', namespace: 'ops' },
        spec: {
          steps: [
            { id: 'approve', suspend: { message: 'Go?', resumeSchema: { type: 'object', required: ['approved'], properties: { approved: { type: 'boolean' } } } } },
            { id: 'clock', tool: 'clock', input: {} },
          ],
        },
      })).status,
    ).toBe(201);
    expect((await kubectl(['wait', '--for=condition=Ready', 'workflow/approve-then-clock', 'tool/clock', '-n', 'ops', '--timeout=30s'])).code).toBe(0);

    // When one run is started, found suspended, and resumed with the CLI
    const started = await kastra(['run', 'workflow', 'approve-then-clock', '-n', 'ops', '--input', '{}']);
    expect(started.code).toBe(0);
    const name = started.out.trim();
    await eventually(async () => ((await (await api(`/namespaces/ops/workflowruns/${name}`)).json()) as { status?: { phase?: string } }).status?.phase === 'Suspended', 30_000, 200);
    const resumed = await kastra(['resume', name, '-n', 'ops', '--step', 'approve', '--data', '{"approved":true}']);
    expect(resumed).toMatchObject({ code: 0, err: '' });
    // Then it succeeds, the resume payload being the approve step's output
    const waited = await kubectl(['wait', '--for=condition=Succeeded', `workflowrun/${name}`, '-n', 'ops', '--timeout=30s']);
    expect(waited.code).toBe(0);
    const run = (await (await api(`/namespaces/ops/workflowruns/${name}`)).json()) as { status: { steps: Record<string, { output?: unknown }> } };
    expect(run.status.steps.approve.output).toEqual({ approved: true });

    // And a second run, cancelled while suspended, ends Cancelled; kastra logs exits 1 on it
    const second = (await kastra(['run', 'workflow', 'approve-then-clock', '-n', 'ops'])).out.trim();
    await eventually(async () => ((await (await api(`/namespaces/ops/workflowruns/${second}`)).json()) as { status?: { phase?: string } }).status?.phase === 'Suspended', 30_000, 200);
    expect((await kastra(['cancel', second, '-n', 'ops'])).code).toBe(0);
    const logs = await kastra(['logs', 'run', second, '-n', 'ops', '-f']);
    expect(logs.code).toBe(1);
    expect(logs.out).toMatch(/RunCancelled/);

    // And kastra run --wait prints the output of a run that needs no approval
    const waitedRun = await kastra(['run', 'workflow', 'recipe-suggestion', '-n', 'cooking', '--input', '{"message":"rice and garlic"}', '--wait', '--timeout', '60s']);
    expect(waitedRun.code).toBe(0);
    expect(JSON.parse(waitedRun.out)).toHaveProperty('recipes');
  }, 120_000);
});
