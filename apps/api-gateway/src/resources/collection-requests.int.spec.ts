import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { JwtAuthority } from '@kastra/auth';
import { migrate } from '@kastra/event-store';
import { CONTINUE_TOKEN_TTL_MS, createResourceStore, decodeContinueToken, encodeContinueToken, RESOURCE_STORE } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { configureGatewayApp } from '../configure-gateway-app';
import { GATEWAY_LOGGER } from '../gateway-logger';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { RBAC_PROVIDERS } from '../auth/rbac.module';
import { bindClusterRole } from '../auth/test/bind-cluster-role';
import { ResourceReadsController } from './resource-reads.controller';
import { ResourceWritesController } from './resource-writes.controller';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Requests on collections over the real store, guard and RBAC: lists paged with `limit` and
 * `continue` as the apiserver pages them, and `deletecollection`. ann edits team-a, vic views it.
 */
describe('collection requests: paged lists and deletecollection', () => {
  let db: TestDatabase;
  let pool: Pool;
  let home: string;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let app: INestApplication;
  let base: string;
  const authority = new JwtAuthority('test-secret-of-enough-length-for-hmac');
  const tokens = {
    root: authority.issue({ sub: 'root', role: 'admin' }),
    ann: authority.issue({ sub: 'ann' }),
    vic: authority.issue({ sub: 'vic' }),
  };

  async function call(who: keyof typeof tokens, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Body }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Body) : {} };
  }

  const llm = (namespace: string, name: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'mastra.ai/v1',
    kind: 'LLM',
    metadata: { name, namespace, labels },
    spec: { provider: 'mock', model: 'm' },
  });
  const llms = (namespace: string) => `/apis/mastra.ai/v1/namespaces/${namespace}/llms`;
  const create = async (namespace: string, name: string, labels: Record<string, string> = {}) =>
    expect((await call('root', 'POST', llms(namespace), llm(namespace, name, labels))).status).toBe(201);
  const names = (list: Body) => (list.items as Body[]).map((item) => item.metadata.name as string);

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'kastra-collections-'));
    db = await createTestDatabase('collections');
    pool = new Pool({ connectionString: db.url, max: 6 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    await bindClusterRole(store, 'ann', 'edit', 'team-a');
    await bindClusterRole(store, 'vic', 'view', 'team-a');
    class CollectionsTestModule {}
    Module({
      controllers: [ResourceReadsController, ResourceWritesController],
      providers: [
        { provide: RESOURCE_STORE, useValue: store },
        { provide: GATEWAY_LOGGER, useValue: createLogger('collections-test') },
        { provide: JwtAuthority, useValue: authority },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        ...RBAC_PROVIDERS,
      ],
    })(CollectionsTestModule);
    app = await NestFactory.create(CollectionsTestModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('collections-test'));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await pool?.end();
    await db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  describe('paging', () => {
    beforeAll(async () => {
      for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await create('paged', name, { tier: name === 'p2' ? 'gold' : 'basic' });
    });

    it('serves 5 objects in 3 pages of limit=2, each with the first page resourceVersion, the rest counted', async () => {
      // When the list is read 2 at a time
      const first = await call('root', 'GET', `${llms('paged')}?limit=2`);
      const second = await call('root', 'GET', `${llms('paged')}?limit=2&continue=${first.body.metadata.continue}`);
      const third = await call('root', 'GET', `${llms('paged')}?limit=2&continue=${second.body.metadata.continue}`);
      // Then the pages hold 2, 2 and 1 objects in name order, the last without a token
      expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
      expect([names(first.body), names(second.body), names(third.body)]).toEqual([['p1', 'p2'], ['p3', 'p4'], ['p5']]);
      expect(first.body.metadata).toMatchObject({ continue: expect.any(String), remainingItemCount: 3 });
      expect(second.body.metadata).toMatchObject({ continue: expect.any(String), remainingItemCount: 1 });
      expect(third.body.metadata.continue).toBeUndefined();
      expect(third.body.metadata.remainingItemCount).toBeUndefined();
      // And every page is of the same list (the same resourceVersion); without limit, one page
      expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      expect(third.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      const whole = await call('root', 'GET', `${llms('paged')}?limit=0`);
      expect(names(whole.body)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
      expect(whole.body.metadata.continue).toBeUndefined();
    });

    it('keeps the next pages at the first page snapshot: objects created, changed or deleted between pages do not show', async () => {
      // Given a first page of 2 in a namespace of its own
      for (const name of ['s1', 's2', 's3', 's4', 's5']) await create('snap', name);
      const first = await call('root', 'GET', `${llms('snap')}?limit=2`);
      const before = await call('root', 'GET', `${llms('snap')}/s4`);
      // When, before the next pages, an object is created after the first page, one of the first page and one after it changed, and one deleted
      await create('snap', 's3a');
      expect((await call('root', 'PATCH', `${llms('snap')}/s1`, { metadata: { labels: { changed: 'yes' } } }, { 'content-type': 'application/merge-patch+json' })).status).toBe(200);
      expect((await call('root', 'PATCH', `${llms('snap')}/s4`, { metadata: { labels: { changed: 'yes' } } }, { 'content-type': 'application/merge-patch+json' })).status).toBe(200);
      expect((await call('root', 'DELETE', `${llms('snap')}/s5`)).status).toBe(200);
      const second = await call('root', 'GET', `${llms('snap')}?limit=2&continue=${first.body.metadata.continue}`);
      const third = await call('root', 'GET', `${llms('snap')}?limit=2&continue=${second.body.metadata.continue}`);
      // Then the pages are the list as it was at the first page
      expect([...names(first.body), ...names(second.body), ...names(third.body)]).toEqual(['s1', 's2', 's3', 's4', 's5']);
      const s4 = (second.body.items as Body[]).find((item) => item.metadata.name === 's4');
      expect(s4).toEqual(before.body);
      // And a new list sees the changes
      const now = await call('root', 'GET', llms('snap'));
      expect(names(now.body)).toEqual(['s1', 's2', 's3', 's3a', 's4']);
    });

    it('pages after the selectors, and pages Tables (kubectl get --chunk-size)', async () => {
      const basic = await call('root', 'GET', `${llms('paged')}?limit=2&labelSelector=tier%3Dbasic`);
      expect(names(basic.body)).toEqual(['p1', 'p3']);
      // (the apiserver does not count what remains when selectors are given)
      expect(basic.body.metadata).toEqual({ resourceVersion: expect.any(String), continue: expect.any(String) });
      const rest = await call('root', 'GET', `${llms('paged')}?limit=2&labelSelector=tier%3Dbasic&continue=${basic.body.metadata.continue}`);
      expect(names(rest.body)).toEqual(['p4', 'p5']);
      const table = await call('root', 'GET', `${llms('paged')}?limit=3`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
      expect(table.body).toMatchObject({ kind: 'Table', metadata: { continue: expect.any(String), remainingItemCount: 2 } });
      expect((table.body.rows as Body[]).map((row) => row.cells[0])).toEqual(['p1', 'p2', 'p3']);
      const tableRest = await call('root', 'GET', `${llms('paged')}?limit=3&continue=${table.body.metadata.continue}`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
      expect((tableRest.body.rows as Body[]).map((row) => row.cells[0])).toEqual(['p4', 'p5']);
      expect(tableRest.body.metadata.continue).toBeUndefined();
    });

    it('answers a malformed token, one of another list and a resourceVersion beside continue with 400, and an old token with 410 Expired', async () => {
      const first = await call('root', 'GET', `${llms('paged')}?limit=2`);
      const token = first.body.metadata.continue as string;
      for (const path of [
        `${llms('paged')}?limit=2&continue=not-a-token`,
        `${llms('paged')}?limit=2&continue=${Buffer.from('{"v":1}').toString('base64url')}`,
        `${llms('other')}?limit=2&continue=${token}`,
        `${llms('paged')}?limit=2&continue=${token}&resourceVersion=5`,
        `${llms('paged')}?limit=two`,
      ]) {
        const answer = await call('root', 'GET', path);
        expect([path, answer.status, answer.body.reason]).toEqual([path, 400, 'BadRequest']);
      }
      // A token past its age (the same one, issued longer ago than the TTL)
      const continuation = decodeContinueToken(token, { kind: 'LLM', scope: 'paged' });
      const old = encodeContinueToken({ ...continuation, issuedAt: Date.now() - CONTINUE_TOKEN_TTL_MS - 1000 });
      const expired = await call('root', 'GET', `${llms('paged')}?limit=2&continue=${old}`);
      expect(expired.status).toBe(410);
      expect(expired.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    });
  });

  describe('deletecollection', () => {
    beforeAll(async () => {
      await create('team-a', 'a1', { app: 'x' });
      await create('team-a', 'a2', { app: 'x' });
      await create('team-a', 'a3', { app: 'y' });
      await create('team-b', 'b1', { app: 'x' });
    });

    it('refuses a user without deletecollection (view) with 403, deleting nothing', async () => {
      const denied = await call('vic', 'DELETE', `${llms('team-a')}?labelSelector=app%3Dx`);
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ reason: 'Forbidden', message: expect.stringContaining('cannot deletecollection resource "llms"') });
      // Nor may an editor of team-a in team-b
      expect((await call('ann', 'DELETE', `${llms('team-b')}?labelSelector=app%3Dx`)).status).toBe(403);
      expect(names((await call('root', 'GET', llms('team-a'))).body)).toEqual(['a1', 'a2', 'a3']);
      expect(names((await call('root', 'GET', llms('team-b'))).body)).toEqual(['b1']);
    });

    it('deletes what the label selector matches in the namespace only, answering the list deleted', async () => {
      // When ann deletes app=x in team-a (a dry run first)
      const dry = await call('ann', 'DELETE', `${llms('team-a')}?labelSelector=app%3Dx&dryRun=All`);
      expect(names(dry.body)).toEqual(['a1', 'a2']);
      expect(names((await call('root', 'GET', llms('team-a'))).body)).toEqual(['a1', 'a2', 'a3']);
      const answer = await call('ann', 'DELETE', `${llms('team-a')}?labelSelector=app%3Dx`);
      // Then the answer is the LLMList of a1 and a2, and only a3 is left there; team-b is untouched
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ apiVersion: 'mastra.ai/v1', kind: 'LLMList' });
      expect(names(answer.body)).toEqual(['a1', 'a2']);
      expect(names((await call('root', 'GET', llms('team-a'))).body)).toEqual(['a3']);
      expect(names((await call('root', 'GET', llms('team-b'))).body)).toEqual(['b1']);
    });

    it('deletes by field selector, and an empty match deletes nothing', async () => {
      await create('team-a', 'a4', { app: 'y' });
      const byName = await call('ann', 'DELETE', `${llms('team-a')}?fieldSelector=metadata.name%3Da3`);
      expect(names(byName.body)).toEqual(['a3']);
      const none = await call('ann', 'DELETE', `${llms('team-a')}?labelSelector=app%3Dnothing`);
      expect([none.status, names(none.body)]).toEqual([200, []]);
      expect(names((await call('root', 'GET', llms('team-a'))).body)).toEqual(['a4']);
    });
  });
});
