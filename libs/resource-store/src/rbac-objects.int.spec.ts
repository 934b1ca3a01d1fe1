import type { Pool } from 'pg';
import { randomBytes } from 'node:crypto';
import { InvalidError, type Resource } from '@kastra/api';
import { migrate, readStream } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { createResourceStore } from './create-resource-store';
import { keyOfResourceStream, resourceStreamId } from './resource-events';
import { rebuildResourceProjection } from './rebuild-resource-projection';

const alice = { actor: 'user:alice', principal: { sub: 'alice', groups: ['team-a', 'system:authenticated'] } };
const bob = { actor: 'user:bob', principal: { sub: 'bob', groups: ['system:authenticated'] } };

const clusterRole = (name: string, verbs: string[]): Resource =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, namespace: 'ignored' }, rules: [{ apiGroups: ['mastra.ai'], resources: ['llms'], verbs }] }) as unknown as Resource;

describe('RBAC objects and writers in the resource store', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  beforeAll(async () => {
    db = await createTestDatabase('rbac_objects');
    pool = db.pool();
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('stores a cluster-scoped object without a namespace, under a name with a colon, and bumps generation on a rules change', async () => {
    // Given a ClusterRole named like the bootstrap ones, sent with a namespace
    const created = await store.create(clusterRole('system:reader', ['get']), alice);
    // Then it has no namespace, keeps its rules, and is found and listed under namespace ''
    expect(created.metadata.namespace).toBeUndefined();
    expect((created as unknown as { rules: unknown[] }).rules).toHaveLength(1);
    expect(created.status).toBeUndefined();
    const key = { kind: 'ClusterRole', namespace: '', name: 'system:reader' };
    expect(await store.get(key)).toEqual(created);
    expect((await store.list({ kind: 'ClusterRole' })).items.map((o) => o.metadata.name)).toEqual(['system:reader']);
    // And its stream id gives its key back, colon and all
    expect(keyOfResourceStream(resourceStreamId(key))).toEqual(key);
    // When its rules change, Then the generation bumps
    const updated = await store.update({ ...clusterRole('system:reader', ['get', 'list']), metadata: { name: 'system:reader' } }, alice);
    expect(updated.metadata.generation).toBe(2);
  });

  it('refuses a binding whose roleRef changes, and rules Kubernetes refuses', async () => {
    // Given a RoleBinding
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'ann-edit', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'ann' }],
    } as unknown as Resource;
    await store.create(binding, alice);
    // When its roleRef is changed, Then 422 names roleRef
    const changed = { ...binding, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' } } as unknown as Resource;
    await expect(store.update(changed, alice)).rejects.toThrow(/roleRef: Invalid value: cannot change roleRef/);
    // And a Role with a non-resource URL, or a rule without verbs, is invalid
    const role = (rules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'team-a' }, rules }) as unknown as Resource;
    await expect(store.create(role([{ nonResourceURLs: ['/version'], verbs: ['get'] }]), alice)).rejects.toBeInstanceOf(InvalidError);
    await expect(store.create(role([{ apiGroups: [''], resources: ['pods'], verbs: [] }]), alice)).rejects.toThrow(/verbs must contain at least one value/);
  });

  it('records the writing principal in the event and keeps the last writer of spec and metadata, not of status', async () => {
    // Given an LLM written by alice
    const key = { kind: 'LLM', namespace: 'default', name: 'keyed' };
    await store.create({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'keyed' }, spec: { provider: 'mock', model: 'm' } }, alice);
    expect(await store.lastWriter(key)).toEqual(alice.principal);
    // When bob writes only its status, Then alice stays its last writer
    await store.updateStatus(key, { phase: 'Ready' }, bob);
    expect(await store.lastWriter(key)).toEqual(alice.principal);
    // When bob changes its labels, Then bob is
    await store.patch(key, (current) => ({ ...current!, metadata: { ...current!.metadata, labels: { by: 'bob' } } }), bob);
    expect(await store.lastWriter(key)).toEqual(bob.principal);
    // And a system writer without a principal is recorded with no groups
    await store.patch(key, (current) => ({ ...current!, metadata: { ...current!.metadata, labels: {} } }), { actor: 'system:controller-manager' });
    expect(await store.lastWriter(key)).toEqual({ sub: 'system:controller-manager', groups: [] });
    // And every event carries who wrote it
    const events = await readStream(pool, resourceStreamId(key));
    expect(events.map((e) => (e.metadata.principal as { sub?: string } | undefined)?.sub)).toEqual(['alice', 'bob', 'bob', undefined]);
    // And a rebuilt projection gives the same answer
    await rebuildResourceProjection(pool);
    expect(await store.lastWriter(key)).toEqual({ sub: 'system:controller-manager', groups: [] });
    expect(await store.lastWriter({ ...key, name: 'missing' })).toBeUndefined();
  });
});
