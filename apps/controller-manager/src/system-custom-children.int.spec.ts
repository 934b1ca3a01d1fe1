import { alphaToV1, findCustomKind, InvalidError, type Resource } from '@kastra/api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@kastra/testing';
import { parse } from 'yaml';
import { ControllerTestEnvironment, resource } from './test/controller-test-environment';

/** A CRD in the Kubernetes shape; with `status` its objects are reported on by a controller (a plugin). */
const crd = (plural: string, kind: string, status: boolean): Resource => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.example.com` },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind, plural },
    versions: [{
      name: 'v1',
      served: true,
      storage: true,
      ...(status ? { subresources: { status: {} } } : {}),
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string', default: 'grey' } } } } } },
    }],
  },
});

const pluginCtx = { actor: 'system:plugin:widgets' };
const RBAC = 'rbac.authorization.k8s.io';
const writer = (sub: string, groups: string[]) => ({ actor: `user:${sub}`, principal: { sub, groups } });
/** Children of custom kinds are written with the System's last writer's rights: root may write any kind. */
const root = writer('root', ['system:masters']);
const mallory = writer('mallory', ['system:authenticated']);

describe('System children of custom kinds (Postgres + NATS)', () => {
  let env: ControllerTestEnvironment;

  beforeAll(async () => {
    env = await ControllerTestEnvironment.create('cmcrd');
    await env.startManager();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('creates an owned child of a custom kind with its defaults, is Ready when the child is, and deletes it with the System', async () => {
    // Given the Widget CRD (status subresource: a plugin reports on widgets), known to the controller-manager
    await env.store.create(crd('widgets', 'Widget', true), root);
    await eventually(async () => findCustomKind('Widget'), 10_000);
    // When a System declares a Widget
    const system = await env.store.create(
      resource('System', 'plant', 'factory', { resources: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'gear', labels: { part: 'gear' }, spec: { size: 2 } }] }),
      root,
    );
    const childKey = { kind: 'Widget', namespace: 'plant', name: 'gear' };
    // Then the Widget is created in the storage version, with the schema's default, labelled and owned by the System
    const child = await eventually(() => env.store.get(childKey), 20_000);
    expect(child.apiVersion).toBe('example.com/v1');
    expect(child.spec).toEqual({ size: 2, color: 'grey' });
    expect(child.metadata.labels).toMatchObject({ part: 'gear', 'mastra.ai/system': 'factory' });
    expect(child.metadata.ownerReferences).toEqual([
      { apiVersion: 'mastra.ai/v1', kind: 'System', name: 'factory', uid: system.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    // And the System is not Ready until the plugin has reported on it
    const systemKey = { kind: 'System', namespace: 'plant', name: 'factory' };
    await env.waitForCondition(systemKey, 'Ready', 'False', 'Widget "plant/gear" is not Ready: not reconciled yet');

    // When the plugin reports the Widget not Ready, then Ready, through the store
    const setReady = async (status: 'True' | 'False', message: string) => {
      const current = (await env.store.get(childKey))!;
      const conditions = [{ type: 'Ready', status, reason: status === 'True' ? 'Checked' : 'Unreachable', message, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }];
      await env.store.updateStatus(childKey, { conditions }, pluginCtx, current.metadata.resourceVersion);
    };
    await setReady('False', 'the gear does not turn');
    // Then the System names the child and its message
    await env.waitForCondition(systemKey, 'Ready', 'False', 'Widget "plant/gear" is not Ready: the gear does not turn');
    await setReady('True', 'turning');
    // And once the child is Ready, so is the System, listing it
    const ready = await env.waitForCondition(systemKey, 'Ready', 'True');
    expect(ready.status?.children).toEqual([{ kind: 'Widget', name: 'gear', ready: true }]);

    // When the System is deleted
    await env.store.delete(systemKey, root);
    // Then its Widget is deleted with it
    await eventually(async () => ((await env.store.get(childKey)) ? undefined : true), 20_000);
  });

  it('does not create a child of a custom kind its System\'s last writer may not create (edit does not cover custom kinds)', async () => {
    await eventually(async () => findCustomKind('Widget'), 10_000);
    // Given mallory, who may edit team-m (every built-in kind) but has no rights on widgets
    const binding = { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'mallory-edit', namespace: 'team-m' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'mallory' }] };
    await env.store.create(binding as unknown as Resource, root);
    // When mallory writes a System declaring a Widget
    await env.store.create(resource('System', 'team-m', 'sneaky', { resources: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'stolen', spec: { size: 1 } }] }), mallory);
    // Then the System is not Ready, saying whose rights are missing, and no Widget is created
    const system = await env.waitForCondition({ kind: 'System', namespace: 'team-m', name: 'sneaky' }, 'Ready', 'False', 'may not create widgets.example.com');
    expect(system.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', reason: 'ChildForbidden', message: expect.stringContaining('"mallory"') })]));
    expect(await env.store.get({ kind: 'Widget', namespace: 'team-m', name: 'stolen' })).toBeUndefined();
  });

  it('refuses a System whose child of a served custom kind does not fit the CRD schema, naming the field', async () => {
    await eventually(async () => findCustomKind('Widget'), 10_000);
    const write = env.store.create(
      resource('System', 'plant', 'broken', { resources: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'cog', spec: { size: 'big' } }] }),
      root,
    );
    const error = await write.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'spec.resources[0].spec.size' })]));
    // A version the kind is not served under, and a built-in kind in resources, are refused too
    const wrongVersion = await env.store
      .create(resource('System', 'plant', 'wrong', { resources: [{ apiVersion: 'example.com/v2', kind: 'Widget', name: 'cog', spec: {} }] }), root)
      .catch((e: unknown) => e);
    expect((wrongVersion as InvalidError).causes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'spec.resources[0].apiVersion' })]));
    const builtin = await env.store
      .create(resource('System', 'plant', 'agentish', { resources: [{ apiVersion: 'mastra.ai/v1', kind: 'Agent', name: 'a', spec: {} }] }), root)
      .catch((e: unknown) => e);
    expect((builtin as InvalidError).causes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'spec.resources[0].kind', message: expect.stringContaining('spec.agents') })]));
    expect(await env.store.get({ kind: 'System', namespace: 'plant', name: 'broken' })).toBeUndefined();
  });

  it('keeps a System not Ready naming a kind no CRD defines yet, and creates the child once the CRD is applied', async () => {
    // Given a System declaring a Gadget before the Gadget CRD exists
    const systemKey = { kind: 'System', namespace: 'lab', name: 'bench' };
    await env.store.create(resource('System', 'lab', 'bench', { resources: [{ apiVersion: 'example.com/v1', kind: 'Gadget', name: 'probe', spec: { size: 1 } }] }), root);
    // Then it is not Ready, naming the kind
    const waiting = await env.waitForCondition(systemKey, 'Ready', 'False', 'kind Gadget (example.com/v1) is not served');
    expect(waiting.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', reason: 'KindNotServed' })]));
    expect(await env.store.get({ kind: 'Gadget', namespace: 'lab', name: 'probe' })).toBeUndefined();

    // When the CRD is applied (no status subresource: a Gadget counts by existence)
    await env.store.create(crd('gadgets', 'Gadget', false), root);
    // Then the child is created, owned, and the System becomes Ready without being touched
    await env.waitForCondition(systemKey, 'Ready', 'True', undefined, 10_000);
    const child = await env.store.get({ kind: 'Gadget', namespace: 'lab', name: 'probe' });
    expect(child?.spec).toEqual({ size: 1, color: 'grey' });
    expect(child?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'System', name: 'bench', controller: true });
  });

  it('owns a DataSource of the example plugin\'s CRD (the mastra.ai/v1alpha1 shape), with its defaults', async () => {
    // Given the example DataSource CRD, as the plugin ships it (stored as v1, as the gateway stores it)
    const dataSourceCrd = parse(readFileSync(join(__dirname, '../../../examples/plugins/datasource/datasource-crd.yaml'), 'utf8')) as Resource;
    await env.store.create(alphaToV1(dataSourceCrd), root);
    await eventually(async () => findCustomKind('DataSource'), 10_000);
    // When a System declares a Postgres DataSource
    await env.store.create(
      resource('System', 'data', 'pantry', { resources: [{ apiVersion: 'mastra.ai/v1alpha1', kind: 'DataSource', name: 'recipes', spec: { type: 'postgres', postgres: { host: 'db' } } }] }),
      root,
    );
    // Then the DataSource is created with the schema's defaults, and the System waits for the plugin's Ready
    const child = await eventually(() => env.store.get({ kind: 'DataSource', namespace: 'data', name: 'recipes' }), 20_000);
    expect(child.spec).toEqual({ type: 'postgres', postgres: { host: 'db', port: 5432, database: 'postgres', user: 'postgres' }, checkIntervalSeconds: 60 });
    await env.waitForCondition({ kind: 'System', namespace: 'data', name: 'pantry' }, 'Ready', 'False', 'DataSource "data/recipes" is not Ready: not reconciled yet');
  });
});
