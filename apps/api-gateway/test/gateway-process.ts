import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets, type Role } from '@kastra/auth';
import {
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


/** A real api-gateway process from dist/, on its own database, NATS prefix, home and ports. */
export interface GatewayProcess {
  httpUrl: string;
  databaseUrl: string;
  natsPrefix: string;
  httpsUrl: string;
  home: string;
  kubeconfig: string;
  token(role: Role, sub?: string): string;
  kubectl(args: string[]): Promise<KubectlResult>;
  /** Starts kubectl without waiting (for `get -w`). */
  spawnKubectl(args: string[]): ChildProcess;
  stop(): Promise<void>;
}

/**
 * Another api-gateway process from dist/ on the same database, NATS prefix and home (so the same
 * JWT secret and CA) as `primary`: a second replica. Stopping it leaves the primary's state.
 */
export async function startGatewayReplica(primary: GatewayProcess): Promise<GatewayProcess> {
  const [port, httpsPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const service = await startServiceProcess('api-gateway', port, {
    ...process.env,
    DATABASE_URL: primary.databaseUrl,
    KASTRA_NATS_PREFIX: primary.natsPrefix,
    KASTRA_HOME: primary.home,
    HTTPS_PORT: String(httpsPort),
    GRPC_PORT: String(grpcPort),
    LOG_LEVEL: 'warn',
  });
  const replicaHome = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-gateway-replica-'));
  fs.mkdirSync(path.join(replicaHome, 'tls'));
  fs.copyFileSync(path.join(primary.home, 'tls', 'ca.crt'), path.join(replicaHome, 'tls', 'ca.crt'));
  const kubectl = createKubectl({ home: replicaHome, httpsPort, token: primary.token('admin'), timeoutMs: 60000 });
  return {
    ...primary,
    httpUrl: service.url,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    kubeconfig: kubectl.kubeconfig,
    kubectl: kubectl.run,
    spawnKubectl: kubectl.spawn,
    stop: async () => {
      await service.stop();
      fs.rmSync(replicaHome, { recursive: true, force: true });
    },
  };
}

export async function startGateway(): Promise<GatewayProcess> {
  const database: TestDatabase = await createTestDatabase('gateway');
  const prefix = testNatsPrefix('gw');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-gateway-'));
  const [port, httpsPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  let service: ServiceProcess | undefined;
  const stop = async () => {
    await service?.stop();
    await database.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    service = await startServiceProcess('api-gateway', port, {
      ...process.env,
      DATABASE_URL: database.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      HTTPS_PORT: String(httpsPort),
      GRPC_PORT: String(grpcPort),
      LOG_LEVEL: 'warn',
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const httpUrl = service.url;
  const authority = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret);
  const token = (role: Role, sub = role === 'admin' ? 'alice' : 'bob') => authority.issue({ sub, role });
  const kubectl = createKubectl({ home, httpsPort, token: token('admin'), timeoutMs: 60000 });
  return {
    httpUrl,
    databaseUrl: database.url,
    natsPrefix: prefix,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    home,
    kubeconfig: kubectl.kubeconfig,
    token,
    kubectl: kubectl.run,
    spawnKubectl: kubectl.spawn,
    stop,
  };
}
