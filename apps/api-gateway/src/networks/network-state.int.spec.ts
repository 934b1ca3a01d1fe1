import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { JwtAuthority } from '@kastra/auth';
import { EventNotifier, migrate, readStream } from '@kastra/event-store';
import { networkStateStreamId, NetworkStateStore } from '@kastra/network-state';
import { createResourceStore, RESOURCE_STORE } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { RBAC_PROVIDERS } from '../auth/rbac.module';
import { bindClusterRole } from '../auth/test/bind-cluster-role';
import { configureGatewayApp } from '../configure-gateway-app';
import { NetworkStateController } from './network-state.controller';

/**
 * `.../networks/NAME/state` over the real store and log. The test also plays a network-router:
 * its own NetworkStateStore (another process) writes what a member would.
 */
describe('network state endpoints', () => {
  let db: TestDatabase;
  let pool: Pool;
  let home: string;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let notifier: EventNotifier;
  let app: INestApplication;
  let base: string;
  let router: NetworkStateStore;
  const ns = 'research';
  const authority = new JwtAuthority('test-secret-of-enough-length-for-hmac');
  // ann edits the namespace, vic views it, olga edits another namespace only
  const tokens = { ann: authority.issue({ sub: 'ann' }), vic: authority.issue({ sub: 'vic' }), olga: authority.issue({ sub: 'olga' }) };
  type Who = keyof typeof tokens;
  const statePath = (network: string, thread = 't1', namespace = ns) => `/apis/mastra.ai/v1/namespaces/${namespace}/networks/${network}/state?thread=${thread}`;

  async function call(who: Who, method: string, path: string, body?: unknown, contentType = 'application/merge-patch+json') {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  }

  const network = (name: string, state: Record<string, unknown>) =>
    ({
      apiVersion: 'mastra.ai/v1',
      kind: 'Network',
      metadata: { name, namespace: ns },
      spec: { agents: [{ name: 'search' }], router: { model: { ref: 'router-llm' } }, state },
    }) as unknown as Resource;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'kastra-netstate-'));
    db = await createTestDatabase('netstateapi');
    pool = db.pool({ max: 6 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    notifier = new EventNotifier(db.url);
    await notifier.start();
    const admin = { actor: 'test', principal: { sub: 'test', groups: ['system:masters'] } };
    await store.create(network('desk', { persistence: true, ttl: 600 }), admin);
    await store.create(network('scratch', { persistence: false }), admin);
    await bindClusterRole(store, 'ann', 'edit', ns);
    await bindClusterRole(store, 'vic', 'view', ns);
    await bindClusterRole(store, 'olga', 'edit', 'elsewhere');
    router = new NetworkStateStore({ pool: db.pool({ max: 2 }) });
    class NetworkStateTestModule {}
    Module({
      controllers: [NetworkStateController],
      providers: [
        { provide: NetworkStateStore, useValue: new NetworkStateStore({ pool, notifier, pollMs: 200 }) },
        { provide: RESOURCE_STORE, useValue: store },
        { provide: JwtAuthority, useValue: authority },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        ...RBAC_PROVIDERS,
      ],
    })(NetworkStateTestModule);
    app = await NestFactory.create(NetworkStateTestModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('network-state-test'));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await notifier?.stop();
    await store?.close();
    await db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('merges a PATCH into the thread state and serves it with each key expiry, what a member wrote included', async () => {
    // Given a member of a run (in a network-router) that stored findings in thread t1
    await router.open({ namespace: ns, network: 'desk', thread: 't1', persistence: true, ttlSeconds: 600 }).set('findings', { tea: 'old', coffee: 'young' });
    // When ann patches the state: a new key, a nested merge, then a deletion
    const patched = await call('ann', 'PATCH', statePath('desk'), { topic: 'drinks', findings: { coffee: null, cocoa: 'bitter' } });
    // Then the answer is the merged state with expiries
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      thread: 't1',
      values: { findings: { tea: 'old', cocoa: 'bitter' }, topic: 'drinks' },
      expiresAt: { findings: expect.any(String), topic: expect.any(String) },
    });
    expect(Date.parse(patched.body.expiresAt.topic) - Date.now()).toBeGreaterThan(590_000);
    expect((await call('ann', 'PATCH', statePath('desk'), { topic: null })).body.values).toEqual({ findings: { tea: 'old', cocoa: 'bitter' } });
    // And a viewer reads the same, the router's process too, and the log names ann as the writer
    expect((await call('vic', 'GET', statePath('desk'))).body).toMatchObject({ thread: 't1', values: { findings: { tea: 'old', cocoa: 'bitter' } } });
    expect(await router.open({ namespace: ns, network: 'desk', thread: 't1', persistence: true }).get('findings')).toEqual({ tea: 'old', cocoa: 'bitter' });
    const events = await readStream(pool, networkStateStreamId({ namespace: ns, network: 'desk', thread: 't1' }));
    expect(events.at(-1)).toMatchObject({ type: 'StateDeleted', data: { key: 'topic' }, metadata: { actor: 'user:ann' } });
    // And another thread is empty
    expect((await call('vic', 'GET', statePath('desk', 't2'))).body).toEqual({ thread: 't2', values: {}, expiresAt: {} });
  });

  it('lets a viewer read but not patch, and nobody from another namespace', async () => {
    expect((await call('vic', 'GET', statePath('desk'))).status).toBe(200);
    expect((await call('vic', 'PATCH', statePath('desk'), { k: 1 })).status).toBe(403);
    expect((await call('olga', 'GET', statePath('desk'))).status).toBe(403);
    expect((await call('olga', 'PATCH', statePath('desk'), { k: 1 })).status).toBe(403);
    expect((await call('ann', 'GET', statePath('desk'))).body.values).not.toHaveProperty('k');
  });

  it('answers 404 for an unknown network, 409 for a state kept in memory, 400, 413 and 415 for bad requests', async () => {
    const unknown = await call('ann', 'GET', statePath('nowhere'));
    expect(unknown).toMatchObject({ status: 404, body: { kind: 'Status', reason: 'NotFound' } });
    const memory = await call('ann', 'GET', statePath('scratch'));
    expect(memory).toMatchObject({ status: 409, body: { reason: 'Conflict', message: expect.stringContaining('spec.state.persistence is false') } });
    expect((await call('ann', 'PATCH', statePath('scratch'), { k: 1 })).status).toBe(409);
    expect((await call('ann', 'GET', `/apis/mastra.ai/v1/namespaces/${ns}/networks/desk/state`)).body.message).toContain('thread query parameter is required');
    expect((await call('ann', 'PATCH', statePath('desk'), { big: 'x'.repeat(300 * 1024) })).status).toBe(413);
    expect((await call('ann', 'PATCH', statePath('desk'), { k: 1 }, 'application/json-patch+json')).status).toBe(415);
    expect((await call('ann', 'PATCH', statePath('desk'), [1])).status).toBe(400);
  });

  it('streams the live keys and then each change as Server-Sent Events', async () => {
    // Given thread t3 with one key, and a viewer watching it
    const routerState = router.open({ namespace: ns, network: 'desk', thread: 't3', persistence: true, ttlSeconds: 600 });
    await routerState.set('step', 1);
    const hangUp = new AbortController();
    const res = await fetch(`${base}${statePath('desk', 't3')}&watch=true`, { headers: { authorization: `Bearer ${tokens.vic}` }, signal: hangUp.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const frames: Array<{ event: string; data: unknown }> = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          if (event) frames.push({ event, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) });
        }
      }
    })().catch(() => undefined);
    const until = async (count: number) => {
      for (let i = 0; i < 100 && frames.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await until(1);
    // When the router's process writes, and ann patches and deletes
    await routerState.set('step', 2);
    await until(2);
    expect((await call('ann', 'PATCH', statePath('desk', 't3'), { note: 'hi', step: null })).status).toBe(200);
    await until(4);
    hangUp.abort();
    await reading;
    // Then the watcher got the live key, then each change once, in order
    expect(frames).toEqual([
      { event: 'set', data: { key: 'step', value: 1 } },
      { event: 'set', data: { key: 'step', value: 2 } },
      { event: 'set', data: { key: 'note', value: 'hi' } },
      { event: 'deleted', data: { key: 'step', deleted: true } },
    ]);
  });
});
