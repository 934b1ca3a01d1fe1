import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, deleteTestStreams, freePort, type TestDatabase, testNatsPrefix } from '@kastra/testing';
import { loadExampleManifests } from './example-manifests';
import { isPortFree } from './port-check';
import { listenedPorts, STACK_PORT_VARIABLES, type StackPorts } from './stack-ports';
import { STACK_SERVICES } from './stack-services';

jest.setTimeout(180_000);

const root = path.resolve(__dirname, '../..');

function runStack(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'dist/tools/stack/start-stack.js')], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * Ports of their own for a stack under test, so that the test passes beside a running `npm start`
 * (which holds the defaults), and the environment that gives them to the supervisor.
 */
async function testStackPorts(): Promise<{ ports: StackPorts; env: NodeJS.ProcessEnv }> {
  const taken = new Set<number>();
  const next = async () => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  const http = {} as StackPorts['http'];
  const env: NodeJS.ProcessEnv = {};
  for (const service of STACK_SERVICES) {
    http[service] = await next();
    env[STACK_PORT_VARIABLES[service]] = String(http[service]);
  }
  const ports: StackPorts = { http, https: await next(), grpc: await next() };
  // The example plugin's read server as well (8090 in its manifest).
  const plugin = { KASTRA_PLUGIN_DATASOURCE_DATASOURCE_READ_PORT: String(await next()) };
  return { ports, env: { ...env, ...plugin, HTTPS_PORT: String(ports.https), GRPC_PORT: String(ports.grpc) } };
}

describe('npm start (start-stack)', () => {
  let database: TestDatabase;
  let home: string;
  const prefix = testNatsPrefix('stack');

  beforeAll(async () => {
    database = await createTestDatabase('stack');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-stack-'));
  });
  afterAll(async () => {
    await database?.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('brings every service up on the ports it is given, applies the examples, reports them Ready and stops cleanly', async () => {
    // Given Postgres and NATS at their addresses, a fresh database, NATS prefix and home, and free
    // ports (not the defaults: a developer's `npm start` may hold those)
    const { ports, env: portEnv } = await testStackPorts();
    const env = { ...portEnv, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, KASTRA_EXIT_AFTER_START: '1' };

    // When the stack starts in exit-after-start mode
    const { code, output } = await runStack(env);

    // Then it exits 0 after the gateway was ready and the access summary was printed
    expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    for (const service of STACK_SERVICES) expect(output).toMatch(new RegExp(`${service}\\s+started \\(pid \\d+\\)`));
    expect(output).toContain('gateway    ready');
    expect(output).toContain('npx kastra token --role admin');
    // and the summary points at this stack's gateway
    expect(output).toContain(`REST   http://127.0.0.1:${ports.http['api-gateway']}    (https://127.0.0.1:${ports.https} for kubectl)`);
    expect(output).toContain(`gRPC   127.0.0.1:${ports.grpc}`);
    // and, when there are examples, the summary lists each one and none is left behind
    const examples = loadExampleManifests(path.join(root, 'examples'), root);
    for (const example of examples) expect(output).toMatch(new RegExp(`${example.kind}\\s+${example.namespace}\\s+${example.name}\\s`));
    expect(output).not.toMatch(/\s(ApplyFailed|NotReady|Failed)\s/);
    // and the example workflow, then the example network (mock router: each member once, in order), ran
    expect(output).toMatch(/workflow {3}recipe-suggestion-[a-z0-9]{5} succeeded; output:/);
    expect(output).toMatch(/network {4}research-network-[a-z0-9]{5} succeeded in 3 steps \(search-agent → analysis-agent → summary-agent\); answer:/);
    // and every service wrote its JSON log, with its start line on the port it was given
    for (const service of STACK_SERVICES) {
      const log = fs.readFileSync(path.join(home, 'logs', `${service}.log`), 'utf8');
      const started = log.split('\n').find((line) => line.includes('"msg":"service started"'));
      expect({ service, port: started && JSON.parse(started).port }).toEqual({ service, port: ports.http[service] });
    }
    // and nothing is left listening on any of its ports
    for (const { port, service, purpose } of listenedPorts(ports)) expect({ port, service, purpose, free: await isPortFree(port) }).toMatchObject({ free: true });
  });

  it('refuses to start when one of its ports is taken, naming it and how to move it', async () => {
    // Given free ports but the network-router's, which something else holds
    const { ports, env: portEnv } = await testStackPorts();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(ports.http['network-router'], '0.0.0.0', resolve));
    try {
      const env = { ...portEnv, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, KASTRA_EXIT_AFTER_START: '1' };

      // When the stack starts  Then it exits 1 naming the port and the variable to change, and starts no service
      const { code, output } = await runStack(env);
      expect({ code, output }).toMatchObject({ code: 1 });
      expect(output).toContain(`port ${ports.http['network-router']} (network-router HTTP) is in use`);
      expect(output).toContain('KASTRA_<SERVICE>_PORT');
      expect(output).not.toContain('started (pid');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('refuses to start when Postgres is unreachable, saying how to fix it', async () => {
    // Given a DATABASE_URL where nothing listens
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/kastra', KASTRA_HOME: home, KASTRA_EXIT_AFTER_START: '1' };

    // When the stack starts  Then it exits 1 naming Postgres, and starts no service
    const { code, output } = await runStack(env);
    expect(code).toBe(1);
    expect(output).toMatch(/Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/kastra is not reachable/);
    expect(output).not.toContain('started (pid');
  });
});
