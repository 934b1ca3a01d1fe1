import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pool } from 'pg';
import { issuePluginToken, JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { type KastraConfig, loadConfig, SERVICE_NODE_FLAGS, SERVICE_PORTS, type ServiceName } from '@kastra/config';
import { ensureDatabase, migrate } from '@kastra/event-store';
import { applyExamples, waitForExamples } from './apply-examples';
import { loadExampleManifests } from './example-manifests';
import { GatewayClient, type ServedKind } from './gateway-client';
import {
  checkNats,
  checkPostgres,
  checkRedis,
  hasNatsServer,
  hasRedisServer,
  isLocal,
  postgresStartHint,
  startNatsServer,
  startRedisServer,
} from './infrastructure';
import { isPortFree, portHolder } from './port-check';
import { type ExampleOutcome, formatSummaryTable } from './resource-readiness';
import { runExampleNetworkAfterStart } from './run-example-network';
import { runExampleWorkflowAfterStart } from './run-example-workflow';
import { type SupervisorEvent, ServiceSupervisor } from './service-supervisor';
import { repositoryRoot, serviceMain, STACK_SERVICES } from './stack-services';
import { pluginBuilt, pluginProcess, pluginRbac, stackPluginsOf, type StackPlugin } from './stack-plugins';
import { DEFAULT_HTTPS_PORT, listenedPorts, type StackPorts, stackPortsFromEnv } from './stack-ports';

/** How long the gateway may take to answer /readyz. */
const GATEWAY_READY_TIMEOUT_MS = 60_000;
/** How long the examples may take to become Ready (DESIGN: the stack is usable within a minute). */
const EXAMPLES_READY_TIMEOUT_MS = 60_000;
const NATS_START_TIMEOUT_MS = 10_000;

/** A problem the user must fix; printed without a stack trace. */
class StackStartError extends Error {
  override readonly name = 'StackStartError';
}

function say(message: string): void {
  const time = new Date().toISOString().slice(11, 19);
  console.log(`${time} kastra  ${message}`);
}

/** What `npm start` brings up, and tears down on SIGINT/SIGTERM. */
class Stack {
  private readonly root = repositoryRoot();
  private readonly config: KastraConfig = loadConfig(0);
  private readonly logDir = path.join(this.config.homeDir, 'logs');
  private natsServer?: ChildProcess;
  private redisServer?: ChildProcess;
  private supervisor?: ServiceSupervisor;
  private stopping?: Promise<void>;
  private ports!: StackPorts;
  private authority?: JwtAuthority;

  async start(): Promise<ExampleOutcome[]> {
    this.ports = this.readPorts();
    await this.ensurePostgres();
    await this.ensureNats();
    await this.ensureRedis();
    await this.migrateDatabase();
    await this.ensurePortsFree();
    this.startServices();
    const client = await this.waitForGateway();
    const outcomes = await this.applyExamples(client);
    await runExampleWorkflowAfterStart({ homeDir: this.config.homeDir, gatewayUrl: this.gatewayUrl }, outcomes, say);
    await runExampleNetworkAfterStart({ homeDir: this.config.homeDir, gatewayUrl: this.gatewayUrl }, outcomes, say);
    this.printAccess();
    return outcomes;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.supervisor) {
        say('stopping services...');
        await this.supervisor.stop();
      }
      for (const server of [this.natsServer, this.redisServer]) {
        if (server && server.exitCode === null) {
          const exited = new Promise((resolve) => server.once('exit', resolve));
          server.kill('SIGTERM');
          await exited;
        }
      }
      say('stopped');
    })();
    return this.stopping;
  }

  private readPorts(): StackPorts {
    try {
      return stackPortsFromEnv(process.env);
    } catch (error) {
      throw new StackStartError((error as Error).message);
    }
  }

  private get gatewayUrl(): string {
    return `http://127.0.0.1:${this.ports.http['api-gateway']}`;
  }

  private async ensurePostgres(): Promise<void> {
    const url = this.config.databaseUrl;
    const result = await checkPostgres(url);
    if (result.ok) return say(`postgres   ${redactUrl(url)} reachable`);
    const hint = isLocal(url) ? `\n  Start it with:  ${postgresStartHint()}\n  (or point DATABASE_URL at a running server)` : '';
    throw new StackStartError(`Postgres at ${redactUrl(url)} is not reachable (${result.reason}).${hint}`);
  }

  private async ensureNats(): Promise<void> {
    const url = this.config.natsUrl;
    const first = await checkNats(url);
    if (first.ok) return say(`nats       ${url} reachable, JetStream on`);
    if (/JetStream/.test(first.reason)) throw new StackStartError(`NATS at ${url}: ${first.reason}`);
    if (!isLocal(url) || !hasNatsServer()) {
      throw new StackStartError(
        `NATS at ${url} is not reachable (${first.reason}).\n  Start one with:  nats-server -js\n  (or point NATS_URL at a server with JetStream)`,
      );
    }
    const storeDir = path.join(this.config.homeDir, 'nats');
    say(`nats       ${url} not reachable: starting nats-server -js (store ${storeDir})`);
    this.natsServer = startNatsServer(url, storeDir, path.join(this.logDir, 'nats-server.log'));
    const deadline = Date.now() + NATS_START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.natsServer.exitCode !== null) break;
      if ((await checkNats(url)).ok) return say('nats       started');
      await sleep(250);
    }
    throw new StackStartError(`nats-server did not come up; see ${path.join(this.logDir, 'nats-server.log')}`);
  }

  private async ensureRedis(): Promise<void> {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const first = await checkRedis(url);
    if (first.ok) return say(`redis      ${redactUrl(url)} reachable`);
    if (!isLocal(url) || !hasRedisServer()) {
      throw new StackStartError(
        `Redis at ${redactUrl(url)} is not reachable (${first.reason}); the llm-proxy keeps its rate limits there.\n  Start one with:  redis-server --daemonize yes --save "" --appendonly no\n  (or point REDIS_URL at a running server)`,
      );
    }
    say(`redis      ${redactUrl(url)} not reachable: starting redis-server (no persistence)`);
    this.redisServer = startRedisServer(url, path.join(this.logDir, 'redis-server.log'));
    const deadline = Date.now() + NATS_START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.redisServer.exitCode !== null) break;
      if ((await checkRedis(url)).ok) return say('redis      started');
      await sleep(250);
    }
    throw new StackStartError(`redis-server did not come up; see ${path.join(this.logDir, 'redis-server.log')}`);
  }

  private async migrateDatabase(): Promise<void> {
    await ensureDatabase(this.config.databaseUrl);
    const pool = new Pool({ connectionString: this.config.databaseUrl, max: 1 });
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
    say('database   created if missing, schema migrated');
  }

  private async ensurePortsFree(): Promise<void> {
    const taken: string[] = [];
    for (const { port, service, purpose } of listenedPorts(this.ports)) {
      if (await isPortFree(port)) continue;
      const holder = portHolder(port);
      taken.push(`  port ${port} (${service} ${purpose}) is in use${holder ? ` by ${holder}` : ''}`);
    }
    if (taken.length > 0) {
      throw new StackStartError(
        `cannot start the stack, ports are taken:\n${taken.join('\n')}\n  Stop what holds them (another \`npm start\`?) and try again,\n  or give this stack other ports (KASTRA_<SERVICE>_PORT, HTTPS_PORT, GRPC_PORT: docs/operations.md).`,
      );
    }
  }

  private startServices(): void {
    const missing = STACK_SERVICES.filter((service) => !fs.existsSync(serviceMain(this.root, service)));
    if (missing.length > 0) {
      throw new StackStartError(`not built: ${missing.map((s) => path.relative(this.root, serviceMain(this.root, s))).join(', ')} (run npm run build)`);
    }
    const env = (service: ServiceName): NodeJS.ProcessEnv => ({
      ...process.env,
      PORT: String(this.ports.http[service]),
      HTTPS_PORT: String(this.ports.https),
      GRPC_PORT: String(this.ports.grpc),
      KASTRA_HOME: this.config.homeDir,
      DATABASE_URL: this.config.databaseUrl,
      NATS_URL: this.config.natsUrl,
    });
    this.supervisor = new ServiceSupervisor(
      STACK_SERVICES.map((service) => ({
        name: service,
        command: process.execPath,
        args: ['--enable-source-maps', ...SERVICE_NODE_FLAGS[service], serviceMain(this.root, service)],
        env: env(service),
        logFile: path.join(this.logDir, `${service}.log`),
      })),
    );
    this.supervisor.on('event', (event) => say(describeEvent(event)));
    say(`services   logs in ${displayPath(this.logDir)}/`);
    this.supervisor.start();
  }

  private async waitForGateway(): Promise<GatewayClient> {
    const { jwtSecret } = loadDevelopmentSecrets(this.config.homeDir);
    this.authority = new JwtAuthority(jwtSecret);
    const token = this.authority.issue({ sub: 'kastra-stack', role: 'admin' }, '1h');
    const client = new GatewayClient(this.gatewayUrl, token);
    const deadline = Date.now() + GATEWAY_READY_TIMEOUT_MS;
    while (!(await client.isReady())) {
      if (Date.now() > deadline) {
        throw new StackStartError(`api-gateway not ready after ${GATEWAY_READY_TIMEOUT_MS / 1000} s; see ${path.join(this.logDir, 'api-gateway.log')}`);
      }
      await sleep(500);
    }
    say('gateway    ready');
    return client;
  }

  private async applyExamples(client: GatewayClient): Promise<ExampleOutcome[]> {
    const manifests = loadExampleManifests(path.join(this.root, 'examples'), this.root);
    if (manifests.length === 0) {
      say('examples   none found under examples/');
      return [];
    }
    say(`examples   applying ${manifests.length} resources from examples/`);
    const applied = await applyExamples(client, manifests);
    await this.startPlugins(client, stackPluginsOf(manifests, this.root), applied.kinds);
    const outcomes = await waitForExamples(client, applied, EXAMPLES_READY_TIMEOUT_MS);
    console.log(`\n${formatSummaryTable(outcomes)}\n`);
    return outcomes;
  }

  /**
   * Runs each Plugin of the examples under the services' supervisor (restart with backoff, log in
   * logs/plugin-<name>.log) with a token of its own, after applying the ClusterRole and binding
   * that give that identity its kinds; the Plugin's Ready condition follows its process.
   */
  private async startPlugins(client: GatewayClient, plugins: StackPlugin[], kinds: Map<string, ServedKind>): Promise<void> {
    const supervisor = this.supervisor;
    if (plugins.length === 0 || !supervisor || !this.authority) return;
    const pluginKind = kinds.get('Plugin');
    // Plugins outlive the 1 h token of the examples: their status is written with a token of their lifetime.
    const statusClient = new GatewayClient(this.gatewayUrl, this.authority.issue({ sub: 'kastra-stack', role: 'admin' }, '30d'));
    supervisor.on('event', (event) => {
      // While stopping, the gateway may already be gone: nothing to report to.
      if (!pluginKind || this.stopping) return;
      const plugin = plugins.find((p) => `plugin/${p.name}` === event.name);
      if (!plugin) return;
      const ready = event.type === 'started';
      const message =
        event.type === 'started' ? `controller running (pid ${event.pid})` : event.type === 'failed' ? `controller could not start: ${event.error.message}` : 'controller exited; restarting with backoff';
      const status = {
        phase: ready ? 'Ready' : 'NotReady',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'Running' : 'NotRunning', message, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }],
      };
      statusClient.patchStatus({ name: plugin.name, namespace: '' }, pluginKind, status).catch((error: Error) => say(`plugins    ${plugin.name}: status not written: ${error.message}`));
    });
    for (const plugin of plugins) {
      try {
        for (const object of pluginRbac(plugin)) {
          const kind = kinds.get(object.kind);
          if (!kind) throw new Error(`the gateway does not serve kind ${object.kind}`);
          await client.applyObject(object, kind);
        }
        const service = pluginProcess(plugin, { root: this.root, logDir: this.logDir, gatewayUrl: this.gatewayUrl, token: issuePluginToken(this.authority, plugin.name) });
        if (!pluginBuilt(service)) throw new Error(`not built: ${path.relative(this.root, service.args[1])} (run npm run build)`);
        supervisor.add(service);
        say(`plugins    ${plugin.name}: running as system:plugin:${plugin.name}, log in ${displayPath(service.logFile)}`);
      } catch (error) {
        say(`plugins    ${plugin.name} not started: ${(error as Error).message}`);
      }
    }
  }

  private printAccess(): void {
    const httpsUrl = `https://127.0.0.1:${this.ports.https}`;
    // The CLI's defaults are the default ports: elsewhere it must be told where the gateway is.
    const serverFlag = this.ports.https === DEFAULT_HTTPS_PORT ? '' : ` --server ${httpsUrl}`;
    const cliServer = this.ports.http['api-gateway'] === SERVICE_PORTS['api-gateway'] ? [] : [`The CLI:       export KASTRA_SERVER=${this.gatewayUrl}`];
    const lines = [
      '',
      'Kastra is running:',
      `  REST   ${this.gatewayUrl}    (${httpsUrl} for kubectl)`,
      `  gRPC   127.0.0.1:${this.ports.grpc}  (TLS, CA ${path.join(this.config.homeDir, 'tls', 'ca.crt')})`,
      `  LLM    http://127.0.0.1:${this.ports.http['llm-proxy']}/v1  (OpenAI-compatible)`,
      '',
      ...cliServer,
      'A token:       npx kastra token --role admin',
      `With kubectl:  npx kastra kubeconfig${serverFlag} > kastra.kubeconfig && KUBECONFIG=kastra.kubeconfig kubectl get agents -A`,
      `Logs:          ${this.logDir}/<service>.log`,
      'Stop:          Ctrl-C',
      '',
    ];
    console.log(lines.join('\n'));
  }
}

function describeEvent(event: SupervisorEvent): string {
  const name = event.name.padEnd(19);
  switch (event.type) {
    case 'started':
      return `${name} started (pid ${event.pid}${event.restarts > 0 ? `, restart ${event.restarts}` : ''})`;
    case 'exited': {
      const how = event.signal ? `signal ${event.signal}` : `code ${event.code}`;
      return `${name} exited (${how}) after ${Math.round(event.uptimeMs / 1000)} s${event.restartInMs !== undefined ? `, restarting in ${event.restartInMs / 1000} s` : ''}`;
    }
    case 'failed':
      return `${name} could not start: ${event.error.message}`;
  }
}

/** Relative to the working directory when inside it, else absolute. */
function displayPath(target: string): string {
  const relative = path.relative(process.cwd(), target);
  return relative && !relative.startsWith('..') ? relative : target;
}

/** DATABASE_URL may carry a password: never print it. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const stack = new Stack();
  let exiting = false;
  const shutdown = (code: number) => {
    if (exiting) return;
    exiting = true;
    void stack.stop().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  try {
    const outcomes = await stack.start();
    const unhealthy = outcomes.filter((o) => o.state === 'ApplyFailed' || o.state === 'Failed' || o.state === 'NotReady');
    if (unhealthy.length > 0) say(`${unhealthy.length} example resource(s) are not Ready: see the table above and the service logs`);
    // Used by the end-to-end test: the stack came up, now leave.
    if (process.env.KASTRA_EXIT_AFTER_START === '1') shutdown(unhealthy.length > 0 ? 1 : 0);
  } catch (error) {
    if (error instanceof StackStartError) console.error(`\nkastra: ${error.message}\n`);
    else console.error('kastra: the stack failed to start:', error);
    shutdown(1);
  }
}

void main();
