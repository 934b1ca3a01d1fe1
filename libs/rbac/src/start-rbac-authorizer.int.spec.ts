import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, eventually, type TestDatabase } from '@kastra/testing';
import { mayLastWriter, startRbacAuthorizer, type RunningRbacAuthorizer } from './start-rbac-authorizer';

const RBAC = 'rbac.authorization.k8s.io';
const system = { actor: 'test', principal: { sub: 'test', groups: ['system:masters'] } };

describe('an authorizer over a store, and the last writer rule', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let running: RunningRbacAuthorizer;

  beforeAll(async () => {
    db = await createTestDatabase('rbacstore');
    pool = db.pool({ max: 4 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    running = await startRbacAuthorizer(store);
  });
  afterAll(async () => {
    await running?.stop();
    await store?.close();
    await db?.drop();
  });

  it('follows bindings written by anyone through the store watch, and lets a resource use a Secret only if its last writer may read it', async () => {
    const secretRead = { verb: 'get', apiGroup: 'mastra.ai', resource: 'secrets', namespace: 'team-a', name: 'keys' };
    const toolKey = { kind: 'Tool', namespace: 'team-a', name: 'fetcher' };
    const tool = (url: string) => ({ apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name: 'fetcher', namespace: 'team-a' }, spec: { http: { url } } }) as unknown as Resource;
    // Given a Tool last written by ann, who edits team-a (edit may not read Secrets)
    await store.create({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'ann-edit', namespace: 'team-a' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'ann' }] } as unknown as Resource, system);
    await store.create(tool('https://example.com/a'), { actor: 'user:ann', principal: { sub: 'ann', groups: ['system:authenticated'] } });
    await eventually(async () => running.authorizer.mayPrincipal({ sub: 'ann', groups: [] }, { ...secretRead, verb: 'create' }));
    // Then the Tool may not use the Secret
    expect(await mayLastWriter(store, running.authorizer, toolKey, secretRead)).toBe(false);
    // When an admin of the namespace rewrites it, Then it may
    await store.create({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'ada-admin', namespace: 'team-a' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'ada' }] } as unknown as Resource, system);
    await store.update(tool('https://example.com/b'), { actor: 'user:ada', principal: { sub: 'ada', groups: ['system:authenticated'] } });
    await eventually(async () => mayLastWriter(store, running.authorizer, toolKey, secretRead));
    // And when ann writes it again, it may not any more
    await store.update(tool('https://example.com/c'), { actor: 'user:ann', principal: { sub: 'ann', groups: ['system:authenticated'] } });
    expect(await mayLastWriter(store, running.authorizer, toolKey, secretRead)).toBe(false);
    expect(await mayLastWriter(store, running.authorizer, { ...toolKey, name: 'missing' }, secretRead)).toBe(false);
  });
});
