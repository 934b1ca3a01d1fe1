import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { issuePluginToken, JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { createKubectl, createTestDatabase, deleteTestStreams, eventually, freePort, testNatsPrefix, type Kubectl, type TestDatabase } from '@kastra/testing';
import { STACK_PORT_VARIABLES } from '../../tools/stack/stack-ports';
import { STACK_SERVICES } from '../../tools/stack/stack-services';

jest.setTimeout(240_000);

const root = path.resolve(__dirname, '../..');

const dataSource = (name: string, url: string) => `apiVersion: mastra.ai/v1alpha1
kind: DataSource
metadata:
  name: ${name}
  namespace: default
spec:
  type: http
  http:
    url: ${url}
  checkIntervalSeconds: 5
`;

describe('the datasource plugin under npm start', () => {
  let database: TestDatabase;
  let home: string;
  let stack: ChildProcess | undefined;
  let output = '';
  let gatewayUrl: string;
  let kubectl: Kubectl;
  let source: Server;
  let sourceUrl: string;
  const prefix = testNatsPrefix('plugins');

  const dump = (error: unknown) => {
    const log = path.join(home, 'logs', 'plugin-datasource.log');
    throw new Error(`${String(error)}\n--- stack output:\n${output.slice(-4000)}\n--- plugin log:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-3000) : '(none)'}`);
  };

  beforeAll(async () => {
    database = await createTestDatabase('plugins');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-plugins-'));
    // A data source of the test's own: answers 200 until closed.
    source = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/health`;
    // Free ports of its own: a developer's npm start may hold the defaults.
    const env: NodeJS.ProcessEnv = { DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home };
    const ports = new Set<number>();
    const next = async () => {
      let port = await freePort();
      while (ports.has(port)) port = await freePort();
      ports.add(port);
      return port;
    };
    for (const service of STACK_SERVICES) env[STACK_PORT_VARIABLES[service]] = String(await next());
    const httpsPort = await next();
    env.HTTPS_PORT = String(httpsPort);
    env.GRPC_PORT = String(await next());
    // The plugin's read server too (8090 in its manifest).
    env.KASTRA_PLUGIN_DATASOURCE_DATASOURCE_READ_PORT = String(await next());
    gatewayUrl = `http://127.0.0.1:${env[STACK_PORT_VARIABLES['api-gateway']]}`;
    stack = spawn(process.execPath, [path.join(root, 'dist/tools/stack/start-stack.js')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(async () => {
      if (stack?.exitCode !== null) throw new Error(`the stack exited (${stack?.exitCode})`);
      return output.includes('Kastra is running');
    }, 200_000, 500).catch(dump);
    const admin = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'tester', role: 'admin' }, '1h');
    kubectl = createKubectl({ home, httpsPort, token: admin, timeoutMs: 60_000 });
  });

  afterAll(async () => {
    if (stack && stack.exitCode === null) {
      const exited = new Promise((resolve) => stack!.once('exit', resolve));
      stack.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => source?.close(resolve));
    await database?.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs the plugin under the supervisor with its own log and a Ready Plugin object', async () => {
    expect(output).toMatch(/plugin\/datasource\s+started \(pid \d+\)/);
    expect(output).toContain('plugins    datasource: running as system:plugin:datasource');
    const plugin = await kubectl.run(['get', 'plugins', 'datasource', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    expect(plugin).toMatchObject({ code: 0, stdout: 'True' });
    await eventually(async () => fs.readFileSync(path.join(home, 'logs', 'plugin-datasource.log'), 'utf8').includes('"msg":"controller started"'), 10_000, 200).catch(dump);
  });

  it('reconciles a DataSource to Ready (kubectl wait), and to not Ready with the reason once its source goes away', async () => {
    // Given a DataSource applied with the real kubectl
    const applied = await kubectl.run(['apply', '-f', writeManifest(dataSource('test-source', sourceUrl))]);
    expect(applied).toMatchObject({ code: 0 });
    // When the plugin has checked it  Then kubectl wait sees it Ready, and get shows the printer columns
    const waited = await kubectl.run(['wait', '--for=condition=Ready', 'datasource/test-source', '--timeout=60s']);
    if (waited.code !== 0) dump(`kubectl wait failed: ${waited.stderr}`);
    expect(waited.stdout).toContain('datasource.mastra.ai/test-source condition met');
    const table = await kubectl.run(['get', 'ds', 'test-source', '-o', 'wide']);
    expect(table.stdout).toMatch(/test-source\s+http\s+True\s+GET http:\/\/127\.0\.0\.1:\d+\/health answered 200/);
    // When the source stops answering  Then a later check (every 5 s) says so
    await new Promise((resolve) => source.close(resolve));
    source.closeAllConnections();
    const down = await kubectl.run(['wait', '--for=condition=Ready=False', 'datasource/test-source', '--timeout=30s']);
    if (down.code !== 0) dump(`kubectl wait for False failed: ${down.stderr}`);
    const message = await kubectl.run(['get', 'ds', 'test-source', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].reason}']);
    expect(message.stdout).toBe('Unreachable');
  });

  it('gives the plugin a token that may write DataSources and nothing else (403)', async () => {
    const token = issuePluginToken(new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret), 'datasource');
    const call = (method: string, apiPath: string, body?: unknown) =>
      fetch(`${gatewayUrl}${apiPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await call('GET', '/apis/mastra.ai/v1alpha1/namespaces/default/datasources/test-source')).status).toBe(200);
    const agent = { apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'sneaky', namespace: 'default' }, spec: { instructions: 'x', model: { ref: 'mock-llm' } } };
    const refused = await call('POST', '/apis/mastra.ai/v1/namespaces/default/agents', agent);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain('system:plugin:datasource');
    expect((await call('GET', '/apis/mastra.ai/v1/namespaces/default/secrets')).status).toBe(403);
    expect((await call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'mine' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'system:plugin:datasource' }] })).status).toBe(403);
  });

  it('restarts the plugin with backoff when it dies', async () => {
    const pid = Number(/plugin\/datasource\s+started \(pid (\d+)\)/.exec(output)?.[1]);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => /plugin\/datasource\s+started \(pid \d+, restart 1\)/.test(output), 20_000, 200).catch(dump);
  });

  function writeManifest(text: string): string {
    const file = path.join(home, `manifest-${Date.now()}.yaml`);
    fs.writeFileSync(file, text);
    return file;
  }
});
