import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import {
  REPO,
  createKubectl,
  createTestDatabase,
  deleteTestStreams,
  freePort,
  startServiceProcess,
  testNatsPrefix,
  type KubectlResult,
  type ServiceProcess,
  type TestDatabase,
} from '@kastra/testing';

const PROVIDER_KEYS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GROQ_API_KEY', 'MOONSHOT_API_KEY', 'DASHSCOPE_API_KEY'];

describe('controller-manager with the api-gateway, driven by kubectl', () => {
  let database: TestDatabase;
  let prefix: string;
  let home: string;
  let gateway: ServiceProcess | undefined;
  let controllers: ServiceProcess | undefined;
  let kubectl: (args: string[]) => Promise<KubectlResult>;

  beforeAll(async () => {
    database = await createTestDatabase('cme2e');
    prefix = testNatsPrefix('cme2e');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-cm-e2e-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn' };
    // The provider examples must find no keys, whatever the machine running the tests has set.
    for (const name of PROVIDER_KEYS) delete env[name];
    const [port, httpsPort, grpcPort, controllerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    gateway = await startServiceProcess('api-gateway', port, { ...env, HTTPS_PORT: String(httpsPort), GRPC_PORT: String(grpcPort) });
    controllers = await startServiceProcess('controller-manager', controllerPort, env);

    const token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'e2e', role: 'admin' });
    kubectl = createKubectl({ home, httpsPort, token }).run;
  });

  afterAll(async () => {
    await controllers?.stop();
    await gateway?.stop();
    await database?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('brings every example to Ready', async () => {
    // Given the examples applied with kubectl
    const applied = await kubectl(['apply', '-f', path.join(REPO, 'examples')]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    // When kubectl waits for Ready on every reconciled kind
    const waited = await kubectl(['wait', '--for=condition=Ready', '--all', 'agents,llms,tools,workflows,networks,systems', '-A', '--timeout=60s']);
    // Then all of them got there
    expect({ code: waited.code, stderr: waited.stderr }).toEqual({ code: 0, stderr: '' });
    expect(waited.stdout).toMatch(/condition met/);
    // And the controller-manager exports its metrics
    const metrics = await (await fetch(`${controllers!.url}/metrics`)).text();
    expect(metrics).toMatch(/kastra_reconcile_total\{[^}]*kind="Agent"[^}]*result="success"/);
    expect(metrics).toContain('kastra_workqueue_depth');
  });

  it('shows the provider examples not Ready, naming the missing key', async () => {
    // Given the provider examples applied on a machine without their keys
    const applied = await kubectl(['apply', '-f', path.join(REPO, 'examples/providers')]);
    expect(applied.code).toBe(0);
    // Then the LLM using ${OPENAI_API_KEY} says so
    const waited = await kubectl(['wait', '--for=condition=Ready=False', 'llm/openai-gpt4', '--timeout=30s']);
    expect(waited.code).toBe(0);
    const ready = await kubectl(['get', 'llm', 'openai-gpt4', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}']);
    expect(ready.stdout).toBe('APIKeyMissing: environment variable OPENAI_API_KEY is not set: set it in the environment of Kastra or use spec.secretRef');
    // And each other keyed provider names its variable (once its first reconcile is in)
    const keyed = ['anthropic-claude', 'google-gemini', 'groq-llama', 'kimi-k2', 'qwen-model'].map((name) => `llm/${name}`);
    expect((await kubectl(['wait', '--for=condition=Ready=False', ...keyed, '--timeout=30s'])).code).toBe(0);
    const messages = await kubectl(['get', 'llms', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].message}{"\\n"}{end}']);
    for (const variable of ['ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GROQ_API_KEY', 'MOONSHOT_API_KEY', 'DASHSCOPE_API_KEY']) {
      expect(messages.stdout).toMatch(new RegExp(`=False/[^\\n]*${variable}`));
    }
  });
});
