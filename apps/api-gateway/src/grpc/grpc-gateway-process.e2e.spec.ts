import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import {
  createTestDatabase,
  deleteTestStreams,
  eventually,
  freePort,
  startServiceProcess,
  testNatsPrefix,
  type ServiceProcess,
  type TestDatabase,
} from '@kastra/testing';
import { HealthTestClient, reflect } from './test/grpc-probe-clients';
import { ResourceServiceTestClient } from './test/resource-service-test-client';

/** SHA-256 fingerprint of the certificate a TLS server at 127.0.0.1:`port` presents (gRPC needs ALPN h2). */
function presentedCertificate(port: number, ca: string, alpn?: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: alpn }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('the api-gateway process: gRPC over TLS with the HTTPS certificate, health and reflection', () => {
  let database: TestDatabase;
  let prefix: string;
  let home: string;
  let gateway: ServiceProcess | undefined;
  let httpsPort: number;
  let grpcPort: number;
  let ca: string;

  beforeAll(async () => {
    database = await createTestDatabase('grpc_process');
    prefix = testNatsPrefix('grpcp');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-grpc-process-'));
    const port = await freePort();
    [httpsPort, grpcPort] = [await freePort(), await freePort()];
    gateway = await startServiceProcess('api-gateway', port, {
      ...process.env,
      DATABASE_URL: database.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      HTTPS_PORT: String(httpsPort),
      GRPC_PORT: String(grpcPort),
      LOG_LEVEL: 'warn',
    });
    ca = fs.readFileSync(path.join(home, 'tls', 'ca.crt'), 'utf8');
  });

  afterAll(async () => {
    await gateway?.stop();
    await database?.drop();
    await deleteTestStreams(prefix);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('presents on the gRPC port the certificate HTTPS presents, and serves health, reflection and resource calls over it', async () => {
    const address = `127.0.0.1:${grpcPort}`;
    expect(await presentedCertificate(grpcPort, ca, ['h2'])).toBe(await presentedCertificate(httpsPort, ca));
    const trusted = credentials.createSsl(Buffer.from(ca));
    const health = new HealthTestClient(address, trusted);
    const client = new ResourceServiceTestClient(address, new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'root', role: 'admin' }), { ca });
    try {
      // Ready once Postgres and NATS answer (the /readyz checks)
      await eventually(async () => (await health.check('')) === 'SERVING');
      expect(await health.check('kastra.v1.ResourceService')).toBe('SERVING');
      const [listed] = await reflect(address, trusted, 'v1', [{ list_services: '' }]);
      expect(listed.list_services_response?.service.map((service) => service.name)).toEqual(expect.arrayContaining(['kastra.v1.ResourceService', 'grpc.health.v1.Health']));
      expect((await client.list({ kind: 'llms' })).items).toEqual([]);
      const plaintext = new HealthTestClient(address, credentials.createInsecure());
      await expect(plaintext.check('')).rejects.toMatchObject({ code: status.UNAVAILABLE });
      plaintext.close();
    } finally {
      health.close();
      client.close();
    }
  });

  it('tells an open health Watch NOT_SERVING when the process is told to stop (SIGTERM)', async () => {
    const health = new HealthTestClient(`127.0.0.1:${grpcPort}`, credentials.createSsl(Buffer.from(ca)));
    const statuses: string[] = [];
    let ended: ServiceError | undefined;
    const watch = health.watch('');
    watch.on('data', (message: { status: string }) => statuses.push(message.status));
    watch.on('error', (error: ServiceError) => (ended = error));
    try {
      await eventually(async () => statuses.includes('SERVING'));
      await gateway?.stop();
      await eventually(async () => ended !== undefined);
      expect(statuses.at(-1)).toBe('NOT_SERVING');
      expect(ended?.code).toBe(status.UNAVAILABLE);
    } finally {
      health.close();
    }
  });
});
