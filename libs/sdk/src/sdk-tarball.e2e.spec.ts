import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { REPO, createTestDatabase, deleteTestStreams, freePort, startServiceProcess, testNatsPrefix, type ServiceProcess, type TestDatabase } from '@kastra/testing';

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'libs/sdk/package.json'), 'utf8')) as { version: string }).version;
const TARBALL = path.join(REPO, 'dist', `kastra-sdk-${VERSION}.tgz`);
const TESTING = path.join(REPO, 'libs/sdk/src/testing');
const MANIFESTS = ['examples/mock-llms.yaml', 'examples/data-processing.yaml', 'examples/research-network.yaml'];

/** The environment without npm's run variables and NODE_PATH: nothing may point the consumer back at this repository. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_') && name !== 'NODE_PATH' && name !== 'NODE_OPTIONS'));
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv(), timeoutMs = 600_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface CheckOutput {
  mode: string;
  applied: string[];
  llm: { specificationVersion: string; provider: string; modelId: string };
  agent: { text: string; usage: { total_tokens: number } };
  workflow: { output: { text: string }; run: string; status: string };
  network: { output: string; route: Array<{ agent: string }>; run: string };
  networkEvents: string[];
  listedAgents: string[];
  validation: { name: string; isValidation: boolean; causes: Array<{ field: string; message: string }> };
  notReady: { name: string; isNotReady: boolean; message: string; missing: Array<{ kind: string; namespace: string; name: string; field: string; problem: string }> };
  runFailed: { name: string; isRunFailed: boolean; stepId: string; error: { type: string; message: string } };
  modules: string[];
}

/**
 * The packed @kastra/sdk installed from its tarball into an empty project under os.tmpdir() (so
 * nothing of this repository's node_modules can be resolved), then one script run embedded (no
 * services) and connected to a stack from dist/ started here: the examples' LLM, Agent, Workflow and
 * Network examples on the mock provider — getLLM, agent generate, workflow execute, network
 * generate — and the errors users rely on: a ValidationError naming the field, a NotReadyError
 * naming the missing LLM, a RunFailedError naming the failed step.
 */
describe('@kastra/sdk from its tarball, outside the repository', () => {
  let project: string;
  let manifestsFile: string;

  beforeAll(async () => {
    const pack = await run(process.execPath, [path.join(REPO, 'tools/scripts/sdk-pack.js')], REPO);
    expect({ code: pack.code, stderr: pack.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-sdk-consumer-'));
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true }, null, 2));
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline', TARBALL, '@types/node@20.19.43'], project);
    expect({ code: install.code, stderr: install.stderr.slice(-2000) }).toMatchObject({ code: 0 });
    for (const file of ['sdk-consumer-check.cjs', 'sdk-consumer-check.mjs', 'sdk-consumer-types.ts']) fs.copyFileSync(path.join(TESTING, file), path.join(project, file));
    manifestsFile = path.join(project, 'manifests.yaml');
    fs.writeFileSync(manifestsFile, MANIFESTS.map((file) => fs.readFileSync(path.join(REPO, file), 'utf8')).join('\n---\n'));
  }, 900_000);

  afterAll(() => {
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  it('installs without this repository: the package resolves inside the project and carries its dependencies', () => {
    expect(project.startsWith(REPO)).toBe(false);
    const resolved = spawnSync(process.execPath, ['-p', "require.resolve('@kastra/sdk')"], { cwd: project, env: cleanEnv(), encoding: 'utf8' });
    expect(resolved.stdout.trim()).toBe(path.join(fs.realpathSync(project), 'node_modules/@kastra/sdk/dist/index.cjs'));
    const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules/@kastra/sdk/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies)).toEqual(expect.arrayContaining(['openai', 'yaml', 'ajv', '@ai-sdk/provider']));
    // No @kastra/* library is a package of its own: they are inside the bundle.
    expect(fs.readdirSync(path.join(project, 'node_modules/@kastra'))).toEqual(['sdk']);
  });

  function expectTheScriptsResults(out: CheckOutput, mode: string): void {
    expect(out.mode).toBe(mode);
    expect(out.applied).toEqual(expect.arrayContaining(['LLM/default/mock-llm', 'Agent/default/extract-agent', 'Workflow/default/data-processing', 'Network/default/research-network']));
    expect(out.llm).toMatchObject({ specificationVersion: 'v3', modelId: mode === 'embedded' ? 'mock-1' : 'default.mock-llm' });
    expect(out.agent.text).toBe('[mock:mock-1] I have eggs');
    expect(out.agent.usage.total_tokens).toBeGreaterThan(0);
    expect(out.workflow).toMatchObject({ status: 'Succeeded', run: expect.stringMatching(/^data-processing-/) });
    expect(out.workflow.output.text).toContain('id,amount');
    expect(out.network.route.map((entry) => entry.agent)).toEqual(['search-agent', 'analysis-agent', 'summary-agent']);
    expect(out.network.output).toContain('Research heat pumps');
    expect(out.networkEvents[0]).toBe('NetworkRunStarted');
    expect(out.networkEvents.at(-1)).toBe('NetworkRunSucceeded');
    expect(out.networkEvents.filter((type) => type === 'MemberFinished')).toHaveLength(3);
    expect(out.listedAgents).toEqual(expect.arrayContaining(['extract-agent', 'transform-agent', 'load-agent']));
    expect(out.validation).toMatchObject({ name: 'ValidationError', isValidation: true, causes: [expect.objectContaining({ field: 'spec.provider' })] });
    expect(out.notReady).toMatchObject({
      name: 'NotReadyError',
      isNotReady: true,
      missing: [{ kind: 'LLM', namespace: 'default', name: 'no-such-llm', field: 'spec.model.ref', problem: 'NotFound' }],
    });
    expect(out.runFailed).toMatchObject({ name: 'RunFailedError', isRunFailed: true, stepId: 'only', error: { message: expect.stringContaining('no luck') } });
    // Nothing was loaded from this repository.
    expect(out.modules.filter((file) => file.startsWith(REPO))).toEqual([]);
  }

  it('runs embedded: the examples on mock, offline, with the typed errors', async () => {
    const result = await run(process.execPath, ['sdk-consumer-check.cjs', manifestsFile], project, cleanEnv(), 120_000);
    expect({ code: result.code, stderr: result.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
    expectTheScriptsResults(JSON.parse(result.stdout) as CheckOutput, 'embedded');
  }, 150_000);

  it('loads as an ES module: the named and default exports are the same SDK', async () => {
    const result = await run(process.execPath, ['sdk-consumer-check.mjs'], project, cleanEnv(), 60_000);
    expect({ code: result.code, stderr: result.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ same: true, types: ['function', 'function', 'function', 'function', 'function', 'function', 'function', 'function', 'function'], runtime: true, llm: 'Ready', modelId: 'mock-1' });
  }, 90_000);

  it('type-checks a consumer written against the packed declarations (strict, node16, the SDK\'s own declarations checked too)', async () => {
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', noEmit: true, types: ['node'] }, files: ['sdk-consumer-types.ts'] }),
    );
    const result = await run(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project, cleanEnv(), 120_000);
    // skipLibCheck is off, so the SDK's declarations are checked. The AI SDK's own declarations do
    // not check without skipLibCheck (they need @types/json-schema; @ai-sdk/google's index type):
    // their errors are theirs, so only errors elsewhere count.
    const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line) && !line.startsWith('node_modules/@ai-sdk/'));
    expect(errors).toEqual([]);
  }, 150_000);

  describe('embedded on a Postgres store', () => {
    let database: TestDatabase;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      database = await createTestDatabase('sdktarballstore');
      env = cleanEnv({ KASTRA_STORE: database.url, KASTRA_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });
    });

    afterAll(async () => {
      await database?.drop();
    });

    it('runs the same script with its log in Postgres, and a later process sees the resources and the runs', async () => {
      const result = await run(process.execPath, ['sdk-consumer-check.cjs', manifestsFile], project, env, 120_000);
      expect({ code: result.code, stderr: result.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
      const out = JSON.parse(result.stdout) as CheckOutput;
      expectTheScriptsResults(out, 'embedded');
      const later = `
        const { RuntimeManager } = require('@kastra/sdk');
        (async () => {
          const rt = new RuntimeManager({ store: process.env.KASTRA_STORE });
          const names = async (kind) => (await rt.listResources(kind)).map((r) => r.metadata.name).sort();
          const run = await rt.getResource('WorkflowRun', ${JSON.stringify(out.workflow.run)});
          console.log(JSON.stringify({ workflows: await names('Workflow'), networks: await names('Network'), run: run && run.status.phase }));
          await rt.close();
        })().catch((e) => { console.error(e); process.exit(1); });`;
      const second = await run(process.execPath, ['-e', later], project, env, 60_000);
      expect({ code: second.code, stderr: second.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(second.stdout)).toEqual({ workflows: expect.arrayContaining(['data-processing', 'failing-flow']), networks: ['research-network'], run: 'Succeeded' });
    }, 200_000);
  });

  describe('connected to a stack', () => {
    let database: TestDatabase;
    let prefix: string;
    let home: string;
    const services: ServiceProcess[] = [];
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      database = await createTestDatabase('sdktarball');
      prefix = testNatsPrefix('sdktarball');
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-sdk-e2e-'));
      const serviceEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn' };
      const [port, httpsPort, grpcPort, controllerPort, executorPort, proxyPort, routerPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
      const gateway = await startServiceProcess('api-gateway', port, { ...serviceEnv, HTTPS_PORT: String(httpsPort), GRPC_PORT: String(grpcPort) });
      services.push(gateway);
      const [, , proxy] = await Promise.all([
        startServiceProcess('controller-manager', controllerPort, serviceEnv).then((s) => (services.push(s), s)),
        startServiceProcess('workflow-executor', executorPort, serviceEnv).then((s) => (services.push(s), s)),
        startServiceProcess('llm-proxy', proxyPort, serviceEnv).then((s) => (services.push(s), s)),
        startServiceProcess('network-router', routerPort, serviceEnv).then((s) => (services.push(s), s)),
      ]);
      const token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'sdk-e2e', role: 'admin' });
      env = cleanEnv({ KASTRA_GATEWAY: gateway.url, KASTRA_TOKEN: token, KASTRA_LLM_PROXY: proxy.url });
    }, 180_000);

    afterAll(async () => {
      await Promise.all(services.map((s) => s.stop()));
      await database?.drop();
      if (prefix) await deleteTestStreams(prefix);
      if (home) fs.rmSync(home, { recursive: true, force: true });
    });

    it('runs the same script through the gateway: server-side applies, the cluster\'s runs, the same typed errors', async () => {
      const result = await run(process.execPath, ['sdk-consumer-check.cjs', manifestsFile], project, env, 240_000);
      const logs = result.code === 0 ? '' : services.map((s) => s.logs().slice(-1500)).join('\n---\n');
      expect({ code: result.code, stderr: result.stderr.slice(-3000), logs }).toEqual({ code: 0, stderr: '', logs: '' });
      expectTheScriptsResults(JSON.parse(result.stdout) as CheckOutput, 'connected');
    }, 300_000);
  });
});
