import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { loadMasterKey } from '@kastra/secrets';
import {
  REPO,
  createTestDatabase,
  deleteTestStreams,
  freePort,
  startServiceProcess,
  testNatsPrefix,
  type ServiceProcess,
  type TestDatabase,
} from '@kastra/testing';
import { main } from '../../tools/cli/src/main';
import { recordingContext } from '../../tools/cli/src/test-context';

/** Values no principal but the operator may ever see: what every attack below is after. */
export interface StackSecrets {
  jwtSecret: string;
  masterKey: string;
  /** An environment variable of every service that nothing ever reads. */
  canary: string;
  /** The operator's provider key (`OPENAI_API_KEY` of every service). */
  providerKey: string;
  databaseUrl: string;
}

/** The four services of a stack from dist/, its secrets, an admin and mallory (edit in team-m). */
export interface ConfinementStack {
  gateway: ServiceProcess;
  controller: ServiceProcess;
  executor: ServiceProcess;
  proxy: ServiceProcess;
  grpcAddress: string;
  home: string;
  secrets: StackSecrets;
  /** cluster-admin (system:masters). */
  admin: string;
  /** mallory, bound to edit in team-m by `kastra token --user mallory --namespace team-m`. */
  mallory: string;
  /** Every secret value, and the files of the repository's own .kastra a script might read from the services' cwd. */
  secretValues(): string[];
  stop(): Promise<void>;
}

export interface ConfinementStackOptions {
  /** Loopback ports the operator opens (KASTRA_EGRESS_ALLOW): the attacker's listeners, so only the rules under test stand between them and a leak. */
  openPorts: number[];
  /** More environment for every service. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts api-gateway, controller-manager, workflow-executor and llm-proxy from dist/ on a database,
 * NATS prefix, KASTRA_HOME and ports of their own, as `npm start` would (nothing opened but
 * `openPorts`), with a canary and a provider key in their environment, and mints mallory's token
 * the way a user gets one.
 */
export async function startConfinementStack(options: ConfinementStackOptions): Promise<ConfinementStack> {
  const database: TestDatabase = await createTestDatabase('confinement');
  const prefix = testNatsPrefix('confinement');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-confinement-'));
  const services: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(services.map((service) => service.stop()));
    await database.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    // The home's secrets exist before any service starts; the JWT secret is also in the environment, as an operator sets it.
    const silent = { warn: () => undefined };
    const jwtSecret = loadDevelopmentSecrets(home, { env: {}, logger: silent }).jwtSecret;
    loadMasterKey(home, { env: {}, logger: silent });
    const secrets: StackSecrets = {
      jwtSecret,
      masterKey: fs.readFileSync(path.join(home, 'master-key'), 'utf8').trim(),
      canary: `canary-${randomUUID()}`,
      providerKey: `sk-operator-${randomBytes(16).toString('hex')}`,
      databaseUrl: database.url,
    };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      KASTRA_JWT_SECRET: jwtSecret,
      KASTRA_CONFINEMENT_CANARY: secrets.canary,
      OPENAI_API_KEY: secrets.providerKey,
      KASTRA_EGRESS_ALLOW: options.openPorts.map((port) => `127.0.0.1:${port}`).join(','),
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    const [port, httpsPort, grpcPort, controllerPort, executorPort, proxyPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const gateway = await startServiceProcess('api-gateway', port, { ...env, HTTPS_PORT: String(httpsPort), GRPC_PORT: String(grpcPort) }, { keepAllLogs: true });
    services.push(gateway);
    const [controller, executor, proxy] = await Promise.all([
      startServiceProcess('controller-manager', controllerPort, env),
      startServiceProcess('workflow-executor', executorPort, env, { keepAllLogs: true }),
      startServiceProcess('llm-proxy', proxyPort, env),
    ]);
    services.push(controller, executor, proxy);
    const admin = new JwtAuthority(jwtSecret).issue({ sub: 'admin', role: 'admin' });
    // mallory's token and RoleBinding (edit in team-m) come from the CLI, through the gateway
    const cli = recordingContext({ KASTRA_HOME: home }, home);
    const code = await main(['token', '--user', 'mallory', '--namespace', 'team-m', '--server', gateway.url], cli);
    if (code !== 0) throw new Error(`kastra token failed: ${cli.err}`);
    const repoSecrets = ['jwt-secret', 'master-key']
      .map((file) => path.join(REPO, '.kastra', file))
      .filter((file) => fs.existsSync(file))
      .map((file) => fs.readFileSync(file, 'utf8').trim());
    return {
      gateway,
      controller,
      executor,
      proxy,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      home,
      secrets,
      admin,
      mallory: cli.out.trim(),
      secretValues: () => [secrets.jwtSecret, secrets.masterKey, secrets.canary, secrets.providerKey, secrets.databaseUrl, ...repoSecrets],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The resident memory of a process in bytes (VmRSS). */
export function residentBytes(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

/** Whether the process still runs (and is not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
