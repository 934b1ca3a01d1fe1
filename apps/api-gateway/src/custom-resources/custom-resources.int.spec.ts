import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { JwtAuthority } from '@kastra/auth';
import { migrate } from '@kastra/event-store';
import { createResourceStore, RESOURCE_STORE } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { createTestDatabase, eventually, type TestDatabase } from '@kastra/testing';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { RBAC_PROVIDERS } from '../auth/rbac.module';
import { bindClusterRole } from '../auth/test/bind-cluster-role';
import { configureGatewayApp } from '../configure-gateway-app';
import { DiscoveryController } from '../discovery/discovery.controller';
import { GATEWAY_LOGGER } from '../gateway-logger';
import { OpenApiController } from '../openapi/openapi.controller';
import { ResourceReadsController } from '../resources/resource-reads.controller';
import { ResourceWritesController } from '../resources/resource-writes.controller';
import { CustomResourceDefinitions } from './custom-resource-definitions';
import { status as grpcStatus } from '@grpc/grpc-js';
import { ResourceServiceTestClient } from '../grpc/test/resource-service-test-client';
import { adminToken, startGrpcGateway } from '../grpc/test/start-grpc-gateway';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const widgets = (namespace: string) => `/apis/example.com/v1/namespaces/${namespace}/widgets`;

const widgetCrd = (schemaSize: Record<string, unknown> = { type: 'integer' }) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets' },
    versions: [{
      name: 'v1',
      served: true,
      storage: true,
      subresources: { status: {} },
      additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: schemaSize, color: { type: 'string', default: 'grey' } } } } } },
    }],
  },
});

const widget = (namespace: string, name: string, size: unknown = 1, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace, ...extra },
  spec: { size },
});

/**
 * Custom kinds served by the gateway's own controllers over the real store: what a CRD makes
 * served, validated and authorized, its conditions, schema changes, conflicts and cascade delete.
 */
describe('custom resources on the REST API', () => {
  let db: TestDatabase;
  let pool: Pool;
  let home: string;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let app: INestApplication;
  let base: string;
  const authority = new JwtAuthority('test-secret-of-enough-length-for-hmac');
  const tokens = { root: authority.issue({ sub: 'root', role: 'admin' }), ann: authority.issue({ sub: 'ann' }) };

  async function call(who: keyof typeof tokens, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  }

  const conditionOf = async (name: string, type: string) =>
    ((await call('root', 'GET', `${CRDS}/${name}`)).body.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
  /** Waits until the CRD's condition has this status and reason (the gateway writes them after the CRD). */
  const conditionBecomes = (name: string, type: string, status: string, reason?: string) =>
    eventually(async () => {
      const condition = await conditionOf(name, type);
      return condition?.status === status && (reason === undefined || condition.reason === reason) && condition;
    });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'kastra-crd-'));
    db = await createTestDatabase('crdrest');
    pool = new Pool({ connectionString: db.url, max: 6 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: home });
    await bindClusterRole(store, 'ann', 'edit', 'team-a');
    class CrdTestModule {}
    Module({
      controllers: [DiscoveryController, OpenApiController, ResourceReadsController, ResourceWritesController],
      providers: [
        { provide: RESOURCE_STORE, useValue: store },
        { provide: GATEWAY_LOGGER, useValue: createLogger('crd-test') },
        { provide: JwtAuthority, useValue: authority },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        CustomResourceDefinitions,
        ...RBAC_PROVIDERS,
      ],
    })(CrdTestModule);
    app = await NestFactory.create(CrdTestModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('crd-test'));
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

  it('serves a kind as soon as its CRD is created: CRUD, discovery, OpenAPI, tables, conditions', async () => {
    expect((await call('root', 'POST', CRDS, widgetCrd())).status).toBe(201);
    // Served by this replica at once, before any watch event
    const created = await call('root', 'POST', widgets('team-a'), widget('team-a', 'w1', 3));
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual({ size: 3, color: 'grey' });
    const discovery = await call('root', 'GET', '/apis/example.com/v1');
    expect(discovery.body.resources.map((r: { name: string }) => r.name)).toEqual(['widgets', 'widgets/status']);
    expect((await call('root', 'GET', '/apis')).body.groups.map((g: { name: string }) => g.name)).toContain('example.com');
    const openapi = await call('root', 'GET', '/openapi/v3/apis/example.com/v1');
    expect(JSON.stringify(openapi.body.components.schemas)).toContain('"x-kubernetes-group-version-kind"');
    expect((await call('root', 'GET', '/openapi/v3')).body.paths).toHaveProperty(['apis/example.com/v1']);
    const table = await call('root', 'GET', widgets('team-a'), undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Size', 'Age']);
    expect(table.body.rows[0].cells.slice(0, 2)).toEqual(['w1', 3]);
    await conditionBecomes('widgets.example.com', 'Established', 'True', 'InitialNamesAccepted');
    expect(await conditionOf('widgets.example.com', 'NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts' });
    expect((await call('root', 'GET', `${CRDS}/widgets.example.com`)).body.status).toMatchObject({ acceptedNames: { kind: 'Widget', plural: 'widgets' }, storedVersions: ['v1'] });
    expect((await call('root', 'PUT', `${widgets('team-a')}/w1`, { ...widget('team-a', 'w1', 4), spec: { size: 4, color: 'red' } })).body.spec).toEqual({ size: 4, color: 'red' });
    expect((await call('root', 'DELETE', `${widgets('team-a')}/w1`)).status).toBe(200);
    expect((await call('root', 'GET', `${widgets('team-a')}/w1`)).status).toBe(404);
  });

  it('authorizes custom kinds by group and plural: edit covers built-in kinds only, a Role grants the kind', async () => {
    expect((await call('ann', 'POST', CRDS, { ...widgetCrd(), metadata: { name: 'x' } })).status).toBe(403);
    expect((await call('ann', 'POST', '/apis/mastra.ai/v1alpha1/customresourcedefinitions', {})).status).toBe(403);
    expect((await call('ann', 'POST', widgets('team-a'), widget('team-a', 'a1'))).status).toBe(403);
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'widgets', namespace: 'team-a' },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'create', 'patch'] }],
    };
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'ann-widgets', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'widgets' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'ann' }],
    };
    expect((await call('root', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles', role)).status).toBe(201);
    expect((await call('root', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings', binding)).status).toBe(201);
    expect((await call('ann', 'POST', widgets('team-a'), widget('team-a', 'a1'))).status).toBe(201);
    expect((await call('ann', 'POST', widgets('team-b'), widget('team-b', 'a1'))).status).toBe(403);
    // The status subresource is its own resource: widgets/status
    const status = await call('ann', 'PATCH', `${widgets('team-a')}/a1/status`, { status: { phase: 'x' } }, { 'content-type': 'application/merge-patch+json' });
    expect(status.status).toBe(403);
  });

  it('refuses invalid objects with a 422, drops unknown fields under Warn, stores nothing on dryRun', async () => {
    const invalid = await call('root', 'POST', widgets('team-a'), widget('team-a', 'bad', 'big'));
    expect(invalid.status).toBe(422);
    expect(invalid.body.details.causes).toEqual([{ reason: 'FieldValueTypeInvalid', field: 'spec.size', message: 'must be integer' }]);
    const unknown = { ...widget('team-a', 'warned'), spec: { size: 1, colour: 'red' } };
    expect((await call('root', 'POST', widgets('team-a'), unknown)).status).toBe(422);
    const warned = await call('root', 'POST', `${widgets('team-a')}?fieldValidation=Warn`, unknown);
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toContain('unknown field \\"spec.colour\\"');
    expect(warned.body.spec).toEqual({ size: 1, color: 'grey' });
    expect((await call('root', 'POST', `${widgets('team-a')}?dryRun=All`, widget('team-a', 'dry'))).status).toBe(201);
    expect((await call('root', 'GET', `${widgets('team-a')}/dry`)).status).toBe(404);
    expect((await call('root', 'GET', `${widgets('team-a')}/bad`)).status).toBe(404);
  });

  it('applies a changed schema to later writes, leaving stored objects as they are', async () => {
    expect((await call('root', 'POST', widgets('team-a'), widget('team-a', 'large', 50))).status).toBe(201);
    const crd = (await call('root', 'GET', `${CRDS}/widgets.example.com`)).body;
    const changed = await call('root', 'PUT', `${CRDS}/widgets.example.com`, { ...widgetCrd({ type: 'integer', maximum: 10 }), metadata: crd.metadata });
    expect(changed.status).toBe(200);
    const refused = await call('root', 'POST', widgets('team-a'), widget('team-a', 'larger', 60));
    expect(refused.status).toBe(422);
    expect(refused.body.details.causes[0].field).toBe('spec.size');
    expect((await call('root', 'GET', `${widgets('team-a')}/large`)).body.spec.size).toBe(50);
    // Ratcheting: a write that leaves the now-invalid spec as it was passes; one that changes it is judged
    const merge = { 'content-type': 'application/merge-patch+json' };
    expect((await call('root', 'PATCH', `${widgets('team-a')}/large`, { metadata: { labels: { kept: 'yes' } } }, merge)).status).toBe(200);
    expect((await call('root', 'PATCH', `${widgets('team-a')}/large`, { spec: { size: 55 } }, merge)).status).toBe(422);
  });

  it('does not accept a kind name another CRD has, and serves it once that CRD is gone', async () => {
    const rival = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.org' },
      spec: { ...widgetCrd().spec, group: 'example.org' },
    };
    expect((await call('root', 'POST', CRDS, rival)).status).toBe(201);
    await conditionBecomes('widgets.example.org', 'NamesAccepted', 'False', 'KindConflict');
    expect((await call('root', 'GET', '/apis/example.org/v1/namespaces/team-a/widgets')).status).toBe(404);
    // Deleting the first CRD deletes its objects, then the rival is accepted
    await store.patch({ kind: 'Widget', namespace: 'team-a', name: 'large' }, (current) => ({ ...current!, metadata: { ...current!.metadata, finalizers: ['example.com/hold'] } }), { actor: 'test' });
    // A delete whose precondition fails takes nothing with it
    const stale = await call('root', 'DELETE', `${CRDS}/widgets.example.com`, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-this-one' } });
    expect(stale.status).toBe(409);
    expect(await store.get({ kind: 'Widget', namespace: 'team-a', name: 'a1' })).toBeDefined();
    expect((await call('root', 'DELETE', `${CRDS}/widgets.example.com`)).status).toBe(200);
    expect((await store.get({ kind: 'Widget', namespace: 'team-a', name: 'a1' }))).toBeUndefined();
    // An object with a finalizer is left, marked for deletion
    expect((await store.get({ kind: 'Widget', namespace: 'team-a', name: 'large' }))?.metadata.deletionTimestamp).toBeDefined();
    expect((await call('root', 'GET', widgets('team-a'))).status).toBe(404);
    await conditionBecomes('widgets.example.org', 'Established', 'True');
    expect((await call('root', 'GET', '/apis/example.org/v1/namespaces/team-a/widgets')).status).toBe(200);
  });

  it('serves the mastra.ai/v1alpha1 CRD shape and custom kinds over gRPC', async () => {
    const grpc = await startGrpcGateway(store);
    try {
      const client = new ResourceServiceTestClient(grpc.address, adminToken);
      const crd = `apiVersion: mastra.ai/v1alpha1
kind: CustomResourceDefinition
metadata: {name: datasources.mastra.ai}
spec:
  group: mastra.ai
  scope: Namespaced
  names: {kind: DataSource, plural: datasources}
  validation:
    openAPIV3Schema:
      type: object
      properties:
        spec:
          type: object
          required: [url]
          properties:
            url: {type: string}
            timeoutSeconds: {type: integer, default: 10}
`;
      // Stored as apiextensions.k8s.io/v1
      expect(await client.apply(crd)).toMatchObject({ apiVersion: 'apiextensions.k8s.io/v1', spec: { versions: [{ name: 'v1alpha1', storage: true }] } });
      await eventually(async () => (await call('root', 'GET', '/apis/mastra.ai/v1alpha1/namespaces/team-a/datasources')).status === 200);
      const source = 'apiVersion: mastra.ai/v1alpha1\nkind: DataSource\nmetadata: {name: docs, namespace: team-a}\nspec: {url: "https://example.com"}\n';
      expect((await client.apply(source)).spec).toEqual({ url: 'https://example.com', timeoutSeconds: 10 });
      expect((await client.list({ kind: 'datasources', namespace: 'team-a' })).items.map((item) => item.metadata.name)).toEqual(['docs']);
      await expect(client.apply(source.replace('url: "https://example.com"', 'uri: x'))).rejects.toMatchObject({
        code: grpcStatus.INVALID_ARGUMENT,
        details: expect.stringContaining('spec.uri'),
      });
      expect((await client.get('DataSource', 'docs', 'team-a')).metadata.name).toBe('docs');
    } finally {
      await grpc.app.close();
    }
  });

  it('serves a cluster-scoped kind without namespaces', async () => {
    const gadgets = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { kind: 'Gadget', plural: 'gadgets' },
        versions: [{
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', properties: { on: { type: 'boolean' } } } } } },
        }],
      },
    };
    expect((await call('root', 'POST', CRDS, gadgets)).status).toBe(201);
    const lamp = { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'lamp.one', namespace: 'ignored' }, spec: { anything: { at: ['all'] } }, status: { on: true } };
    const created = await call('root', 'POST', '/apis/example.com/v1/gadgets', lamp);
    expect(created.status).toBe(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    // Without a status subresource, status is part of the object
    expect(created.body.status).toEqual({ on: true });
    // No printer columns: Name and Age, as the apiserver prints
    const table = await call('root', 'GET', '/apis/example.com/v1/gadgets', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age']);
    expect((await call('root', 'GET', '/apis/example.com/v1/gadgets')).body).toMatchObject({ kind: 'GadgetList', apiVersion: 'example.com/v1', items: [{ metadata: { name: 'lamp.one' } }] });
    expect((await call('root', 'GET', '/apis/example.com/v1/namespaces/team-a/gadgets')).status).toBe(404);
    expect((await call('root', 'GET', '/apis/example.com/v1/gadgets/lamp.one/status')).status).toBe(404);
  });
});
