import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVICE_PORTS, type ServiceName } from '@kastra/config';
import { parse } from 'yaml';

// No Docker engine runs here: this reads compose.yaml (YAML merge keys resolved, as compose does).
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
}

const root = path.resolve(__dirname, '../..');
const compose = parse(fs.readFileSync(path.join(root, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const KASTRA = Object.keys(SERVICE_PORTS) as ServiceName[];

describe('compose.yaml', () => {
  it('runs Postgres, NATS with JetStream, Redis and the five services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...KASTRA, 'nats', 'postgres', 'redis'].sort());
    expect(compose.services.nats.command).toEqual(expect.arrayContaining(['-js']));
  });

  it('gives every container a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, test: service.healthcheck?.test[0] }).toEqual({ name, test: 'CMD' });
    }
    expect(compose.services.nats.healthcheck!.test.join(' ')).toContain('js-enabled-only=true');
  });

  it('starts each Kastra service from the Dockerfile with its own SERVICE and PORT, once its servers are healthy', () => {
    for (const name of KASTRA) {
      const service = compose.services[name];
      expect(service.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(service.environment).toEqual(
        expect.objectContaining({ SERVICE: name, PORT: String(SERVICE_PORTS[name]), KASTRA_BIND: '0.0.0.0', DATABASE_URL: expect.stringContaining('@postgres:5432/'), NATS_URL: 'nats://nats:4222', REDIS_URL: 'redis://redis:6379' }),
      );
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, nats: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(service.healthcheck!.test).toEqual(['CMD', 'node', 'infra/docker/healthcheck.js', '/readyz']);
      // The image's entrypoint starts SERVICE with its Node flags; a command would bypass it.
      expect(service.command).toBeUndefined();
      expect(service.ports).toContain(`127.0.0.1:${SERVICE_PORTS[name]}:${SERVICE_PORTS[name]}`);
    }
    expect(compose.services['api-gateway'].environment).toEqual(expect.objectContaining({ HTTPS_PORT: '8443', GRPC_PORT: '50051' }));
  });

  it('publishes ports on loopback only (Postgres has a known password)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:/) });
    }
  });
});
