import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVICE_PORTS } from '@kastra/config';
import { createTestDatabase, deleteTestStreams, type TestDatabase, testNatsPrefix } from '@kastra/testing';
import { loadExampleManifests } from './example-manifests';
import { isPortFree } from './port-check';
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

  it('brings every service up, applies the examples, reports them Ready and stops cleanly', async () => {
    // Given Postgres and NATS at their addresses, a fresh database and home, and free ports
    const env = { DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, KASTRA_EXIT_AFTER_START: '1' };

    // When the stack starts in exit-after-start mode
    const { code, output } = await runStack(env);

    // Then it exits 0 after the gateway was ready and the access summary was printed
    expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    for (const service of STACK_SERVICES) expect(output).toMatch(new RegExp(`${service}\\s+started \\(pid \\d+\\)`));
    expect(output).toContain('gateway    ready');
    expect(output).toContain('npx kastra token --role admin');
    // and, when there are examples, the summary lists each one and none is left behind
    const examples = loadExampleManifests(path.join(root, 'examples'), root);
    for (const example of examples) expect(output).toMatch(new RegExp(`${example.kind}\\s+${example.namespace}\\s+${example.name}\\s`));
    expect(output).not.toMatch(/\s(ApplyFailed|NotReady|Failed)\s/);
    // and every service wrote its JSON log, with its start line
    for (const service of STACK_SERVICES) {
      const log = fs.readFileSync(path.join(home, 'logs', `${service}.log`), 'utf8');
      expect(log).toContain('"msg":"service started"');
    }
    // and no service is left listening
    for (const service of STACK_SERVICES) expect(await isPortFree(SERVICE_PORTS[service])).toBe(true);
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
