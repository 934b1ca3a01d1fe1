import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { JwtAuthority } from '@kastra/auth';
import { migrate } from '@kastra/event-store';
import { createResourceStore, RESOURCE_STORE } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { createTestDatabase, eventually, type TestDatabase } from '@kastra/testing';
import { configureGatewayApp } from '../configure-gateway-app';
import { DiscoveryController } from '../discovery/discovery.controller';
import { GATEWAY_LOGGER } from '../gateway-logger';
import { ResourceReadsController } from '../resources/resource-reads.controller';
import { ResourceWritesController } from '../resources/resource-writes.controller';
import { BearerAuthGuard } from './bearer-auth.guard';
import { RBAC_PROVIDERS } from './rbac.module';
import { SelfReviewsController } from './self-reviews.controller';
import { bindClusterRole } from './test/bind-cluster-role';

const RBAC = 'rbac.authorization.k8s.io';

/**
 * RBAC on the REST API over the real store: the gateway's controllers, middleware, guard and
 * policy cache. ann edits team-a only, vic views team-a, root is in system:masters.
 */
describe('RBAC enforcement on the REST API', () => {
  let db: TestDatabase;
  let pool: Pool;
  let home: string;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let app: INestApplication;
  let base: string;
  const authority = new JwtAuthority('test-secret-of-enough-length-for-hmac');
  const tokens = {
    root: authority.issue({ sub: 'root', role: 'admin' }),
    ann: authority.issue({ sub: 'ann', groups: ['devs'] }),
    vic: authority.issue({ sub: 'vic' }),
  };
  type Who = keyof typeof tokens;

  async function call(who: Who, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  const llm = (namespace: string, name: string, model = 'm') => ({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name, namespace }, spec: { provider: 'mock', model } });
  const llms = (namespace: string) => `/apis/mastra.ai/v1/namespaces/${namespace}/llms`;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'kastra-rbac-'));
    db = await createTestDatabase('rbacrest');
    pool = new Pool({ connectionString: db.url, max: 6 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    await bindClusterRole(store, 'ann', 'edit', 'team-a');
    await bindClusterRole(store, 'vic', 'view', 'team-a');
    class RbacTestModule {}
    Module({
      controllers: [SelfReviewsController, DiscoveryController, ResourceReadsController, ResourceWritesController],
      providers: [
        { provide: RESOURCE_STORE, useValue: store },
        { provide: GATEWAY_LOGGER, useValue: createLogger('rbac-test') },
        { provide: JwtAuthority, useValue: authority },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        ...RBAC_PROVIDERS,
      ],
    })(RbacTestModule);
    app = await NestFactory.create(RbacTestModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('rbac-test'));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    // An admin's key-bearing LLM in team-b
    expect((await call('root', 'POST', llms('team-b'), llm('team-b', 'keyed'))).status).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await pool?.end();
    await db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('lets an edit user create, patch, read and delete in its namespace, recording it as the writer', async () => {
    expect((await call('ann', 'POST', llms('team-a'), llm('team-a', 'mine'))).status).toBe(201);
    expect((await call('ann', 'PATCH', `${llms('team-a')}/mine`, { spec: { model: 'n' } }, 'application/merge-patch+json')).status).toBe(200);
    expect((await call('ann', 'GET', llms('team-a'))).status).toBe(200);
    expect(await store.lastWriter({ kind: 'LLM', namespace: 'team-a', name: 'mine' })).toEqual({ sub: 'ann', groups: ['devs', 'system:authenticated'] });
    expect((await call('ann', 'DELETE', `${llms('team-a')}/mine`)).status).toBe(200);
  });

  it('refuses an edit user every verb in another namespace and across namespaces, dry-run included, with nothing written', async () => {
    const before = await store.get({ kind: 'LLM', namespace: 'team-b', name: 'keyed' });
    const attempts: [string, string, unknown?, string?][] = [
      ['POST', llms('team-b'), llm('team-b', 'planted')],
      ['POST', `${llms('team-b')}?dryRun=All`, llm('team-b', 'planted')],
      ['PUT', `${llms('team-b')}/keyed`, llm('team-b', 'keyed', 'evil')],
      ['PATCH', `${llms('team-b')}/keyed`, { spec: { model: 'evil' } }, 'application/merge-patch+json'],
      ['PATCH', `${llms('team-b')}/keyed?dryRun=All`, { spec: { model: 'evil' } }, 'application/merge-patch+json'],
      ['PATCH', `${llms('team-b')}/keyed?fieldManager=x`, llm('team-b', 'keyed', 'evil'), 'application/apply-patch+yaml'],
      ['DELETE', `${llms('team-b')}/keyed`],
      ['DELETE', `${llms('team-b')}/keyed?dryRun=All`],
      ['GET', `${llms('team-b')}/keyed`],
      ['GET', llms('team-b')],
      ['GET', '/apis/mastra.ai/v1/llms'],
      ['GET', `${llms('team-b')}/keyed/status`],
    ];
    for (const [method, path, body, type] of attempts) {
      const answer = await call('ann', method, path, body, type);
      expect([method, path, answer.status, answer.body.reason]).toEqual([method, path, 403, 'Forbidden']);
    }
    const patched = await call('ann', 'PATCH', `${llms('team-b')}/keyed`, { spec: { model: 'evil' } }, 'application/merge-patch+json');
    expect(patched.body).toMatchObject({
      kind: 'Status',
      code: 403,
      message: 'llms.mastra.ai "keyed" is forbidden: User "ann" cannot patch resource "llms" in API group "mastra.ai" in the namespace "team-b"',
      details: { name: 'keyed', group: 'mastra.ai', kind: 'llms' },
    });
    expect(await store.get({ kind: 'LLM', namespace: 'team-b', name: 'keyed' })).toEqual(before);
    expect(await store.get({ kind: 'LLM', namespace: 'team-b', name: 'planted' })).toBeUndefined();
  });

  it('refuses a watch in another namespace before streaming anything', async () => {
    const answer = await call('ann', 'GET', `${llms('team-b')}?watch=true`);
    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain('cannot watch resource "llms"');
  });

  it('lets edit write a Secret but never read one; view can neither', async () => {
    const secret = { apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'keys', namespace: 'team-a' }, stringData: { k: 'v' } };
    expect((await call('ann', 'POST', '/apis/mastra.ai/v1/namespaces/team-a/secrets', secret)).status).toBe(201);
    for (const path of ['/apis/mastra.ai/v1/namespaces/team-a/secrets/keys', '/apis/mastra.ai/v1/namespaces/team-a/secrets', '/apis/mastra.ai/v1/namespaces/team-a/secrets?watch=true']) {
      expect((await call('ann', 'GET', path)).status).toBe(403);
      expect((await call('vic', 'GET', path)).status).toBe(403);
    }
    expect((await call('vic', 'POST', '/apis/mastra.ai/v1/namespaces/team-a/secrets', { ...secret, metadata: { name: 'other', namespace: 'team-a' } })).status).toBe(403);
    expect((await call('vic', 'GET', llms('team-a'))).status).toBe(200);
    expect((await call('vic', 'POST', llms('team-a'), llm('team-a', 'viewer-made'))).status).toBe(403);
  });

  it('refuses an edit user any RBAC write, and stops escalation: binding itself cluster-admin, or granting what it lacks', async () => {
    const binding = (name: string, namespace: string, role: string) => ({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'ann' }],
    });
    // edit holds no RBAC verbs at all
    expect((await call('ann', 'POST', `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`, binding('ann-root', 'team-a', 'cluster-admin'))).status).toBe(403);
    expect((await call('ann', 'POST', `/apis/${RBAC}/v1/clusterrolebindings`, { ...binding('ann-root', '', 'cluster-admin'), kind: 'ClusterRoleBinding', metadata: { name: 'ann-root' } })).status).toBe(403);
    // A namespace admin may bind edit in its namespace, not cluster-admin: the escalation check
    await bindClusterRole(store, 'ann', 'admin', 'team-a');
    await eventually(async () => (await call('ann', 'GET', `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`)).status === 200);
    const escalated = await call('ann', 'POST', `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`, binding('ann-root', 'team-a', 'cluster-admin'));
    expect(escalated.status).toBe(403);
    expect(escalated.body.message).toMatch(/^rolebindings\.rbac\.authorization\.k8s\.io "ann-root" is forbidden: user "ann" .* is attempting to grant RBAC permissions not currently held/);
    expect((await call('ann', 'POST', `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`, { ...binding('bob-edit', 'team-a', 'edit'), subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }] })).status).toBe(201);
    expect(await store.get({ kind: 'RoleBinding', namespace: 'team-a', name: 'ann-root' })).toBeUndefined();
    // And a binding written here applies to the very next request
    const tokenOfBob = authority.issue({ sub: 'bob' });
    const bobList = await fetch(`${base}${llms('team-a')}`, { headers: { authorization: `Bearer ${tokenOfBob}` } });
    expect(bobList.status).toBe(200);
    await store.delete({ kind: 'RoleBinding', namespace: 'team-a', name: 'ann-admin' }, { actor: 'test' });
  });

  it('serves the RBAC kinds with the built-in ClusterRoles, cluster-scoped, to those allowed', async () => {
    const roles = await call('root', 'GET', `/apis/${RBAC}/v1/clusterroles`);
    expect(roles.status).toBe(200);
    expect(roles.body.kind).toBe('ClusterRoleList');
    const names = (roles.body.items as Resource[]).map((role) => role.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view']));
    expect((roles.body.items as Resource[]).every((role) => role.metadata.namespace === undefined)).toBe(true);
    expect((await call('root', 'GET', `/apis/${RBAC}/v1/clusterroles/view`)).body).toMatchObject({ kind: 'ClusterRole', metadata: { name: 'view' } });
    expect((await call('ann', 'GET', `/apis/${RBAC}/v1/clusterroles`)).status).toBe(403);
    expect((await call('root', 'GET', `/apis/${RBAC}/v1/namespaces/x/clusterroles`)).status).toBe(404);
  });

  it('answers self reviews: can-i as RBAC decides, whoami with groups; discovery for anyone authenticated', async () => {
    const review = (who: Who, resourceAttributes: Record<string, string>) =>
      call(who, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } });
    const allowed = async (who: Who, attributes: Record<string, string>) => ((await review(who, attributes)).body.status as { allowed: boolean }).allowed;
    expect(await allowed('ann', { verb: 'create', group: 'mastra.ai', resource: 'llms', namespace: 'team-a' })).toBe(true);
    expect(await allowed('ann', { verb: 'create', group: 'mastra.ai', resource: 'llms', namespace: 'team-b' })).toBe(false);
    expect(await allowed('ann', { verb: 'get', group: 'mastra.ai', resource: 'secrets', namespace: 'team-a' })).toBe(false);
    expect(await allowed('vic', { verb: 'list', group: 'mastra.ai', resource: 'agents', namespace: 'team-a' })).toBe(true);
    expect(await allowed('vic', { verb: 'delete', group: 'mastra.ai', resource: 'agents', namespace: 'team-a' })).toBe(false);
    expect(await allowed('root', { verb: '*', group: '*', resource: '*' })).toBe(true);
    const whoami = await call('ann', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(whoami).toMatchObject({ status: 201, body: { kind: 'SelfSubjectReview', status: { userInfo: { username: 'ann', groups: ['devs', 'system:authenticated'] } } } });
    const rules = await call('vic', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'team-a' } });
    expect((rules.body.status as { resourceRules: { resources: string[] }[] }).resourceRules.some((rule) => rule.resources.includes('llms'))).toBe(true);
    expect((await call('vic', 'GET', '/apis')).status).toBe(200);
    expect((await call('vic', 'GET', '/apis/rbac.authorization.k8s.io/v1')).status).toBe(200);
  });

  it('refuses a write before reading its body', async () => {
    // Given a request that declares a body and never sends it
    const url = new URL(`${base}${llms('team-b')}`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${tokens.ann}`, 'content-type': 'application/json', 'content-length': '100000' } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"apiVersion":');
    });
    // Then the 403 comes at once, without waiting for the body
    expect(status).toBe(403);
  });
});
