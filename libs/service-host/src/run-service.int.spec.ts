import { type INestApplication, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { freePort } from '@kastra/testing';
import { ReadinessRegistry } from './readiness-registry';
import { runService } from './run-service';

jest.setTimeout(20000);

/** A dependency the test can break and repair. */
const dependency = { up: true };

@Injectable()
class TinyDependency implements OnModuleInit {
  constructor(private readonly readiness: ReadinessRegistry) {}

  onModuleInit(): void {
    this.readiness.register('tiny-dependency', async () => dependency.up);
  }
}

@Module({ providers: [TinyDependency] })
class TinyModule {}

describe('runService', () => {
  let app: INestApplication;
  let base: string;
  let port: number;

  beforeAll(async () => {
    process.env.LOG_LEVEL = 'warn';
    port = await freePort();
    app = await runService({ service: 'workflow-executor', module: TinyModule, env: { PORT: String(port) } });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => app?.close());

  it('answers /healthz while running', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('flips /readyz with a registered check', async () => {
    // Given the dependency is up  Then ready
    dependency.up = true;
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);

    // When it goes down  Then 503 naming it
    dependency.up = false;
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', failing: ['tiny-dependency'] });

    // When it comes back  Then ready again
    dependency.up = true;
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
  });

  it('serves Prometheus metrics labelled with the service', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('service="workflow-executor"');
  });

  it('answers 404 for an unknown path', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('listens on loopback only, unless KASTRA_BIND opens it', async () => {
    // Given the service above, started without KASTRA_BIND: it is bound to 127.0.0.1
    expect((app.getHttpServer().address() as AddressInfo).address).toBe('127.0.0.1');
    // When another instance starts with KASTRA_BIND=0.0.0.0
    const open = await runService({ service: 'workflow-executor', module: TinyModule, env: { PORT: String(await freePort()), KASTRA_BIND: '0.0.0.0' } });
    try {
      // Then it listens on every interface
      expect((open.getHttpServer().address() as AddressInfo).address).toBe('0.0.0.0');
    } finally {
      await open.close();
    }
  });

  it('refuses to start a second instance on a taken port', async () => {
    // Given the port is held by the running service
    // When another instance starts on it  Then it rejects with EADDRINUSE
    await expect(
      runService({ service: 'workflow-executor', module: TinyModule, env: { PORT: String(port) } }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('ReadinessRegistry', () => {
  it('counts a throwing check as failing and reports draining', async () => {
    const registry = new ReadinessRegistry();
    registry.register('ok', async () => true);
    registry.register('broken', async () => {
      throw new Error('connection refused');
    });
    expect(await registry.evaluate()).toEqual({ ready: false, failing: ['broken'] });

    registry.register('broken', async () => true);
    expect(await registry.evaluate()).toEqual({ ready: true, failing: [] });

    registry.markDraining();
    expect(await registry.evaluate()).toEqual({ ready: false, failing: ['shutdown'] });
  });
});
