import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Resource } from '@kastra/api';
import { EgressPolicy, privateEgressOfLastWriter } from '@kastra/egress';
import { startEgressTestServer, type EgressTestServer } from '@kastra/egress/testing';
import { migrate } from '@kastra/event-store';
import { mayLastWriter, startRbacAuthorizer, type RunningRbacAuthorizer } from '@kastra/rbac';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, eventually, type TestDatabase } from '@kastra/testing';
import { executeTool } from '../execute-tool';

const RBAC = 'rbac.authorization.k8s.io';
const writer = (sub: string, groups: string[] = ['system:authenticated']) => ({ actor: `user:${sub}`, principal: { sub, groups } });

/**
 * The egress-private permission decided by RBAC over the store: a Tool reaches a private address
 * only when whoever last wrote it may `use` `egress/private` (cluster-admin may; edit may not).
 */
describe('private egress by the last writer\'s RBAC permission', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let rbac: RunningRbacAuthorizer;
  let internal: EgressTestServer;

  beforeAll(async () => {
    db = await createTestDatabase('privegress');
    pool = db.pool({ max: 4 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    rbac = await startRbacAuthorizer(store);
    internal = await startEgressTestServer((_req, res) => res.end('internal'));
  });
  afterAll(async () => {
    await internal?.close();
    await rbac?.stop();
    await store?.close();
    await db?.drop();
  });

  it('lets a Tool last written by cluster-admin or a holder of egress-private reach loopback, and not one last written by an editor', async () => {
    // Given ann editing team-a, and bob bound to a role granting egress-private there
    const system = writer('root', ['system:masters']);
    await store.create({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'ann-edit', namespace: 'team-a' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'ann' }] } as unknown as Resource, system);
    await store.create({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'egress-private' }, rules: [{ apiGroups: ['mastra.ai'], resources: ['egress'], resourceNames: ['private'], verbs: ['use'] }] } as unknown as Resource, system);
    await store.create({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'bob-egress', namespace: 'team-a' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'egress-private' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }] } as unknown as Resource, system);
    await eventually(async () => rbac.authorizer.mayPrincipal({ sub: 'bob', groups: [] }, { verb: 'use', apiGroup: 'mastra.ai', resource: 'egress', name: 'private', namespace: 'team-a' }));
    const privateAllowed = privateEgressOfLastWriter((key, attributes) => mayLastWriter(store, rbac.authorizer, key, attributes));
    const tool = (url: string) => ({ apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name: 'probe', namespace: 'team-a' }, spec: { http: { url, method: 'GET' } } }) as unknown as Resource;
    const run = async () => executeTool((await store.get({ kind: 'Tool', namespace: 'team-a', name: 'probe' }))!, {}, { secrets: async () => undefined, egress: { policy: new EgressPolicy(), privateAllowed } });
    // When cluster-admin wrote the Tool, Then it reaches the loopback listener
    await store.create(tool(`${internal.url}/a`), system);
    await expect(run()).resolves.toBe('internal');
    // When ann (edit) rewrites it, Then it is refused and the listener sees nothing more
    await store.update(tool(`${internal.url}/b`), writer('ann'));
    await expect(run()).rejects.toMatchObject({ reason: 'egress_refused' });
    // When bob (egress-private in team-a) rewrites it, Then it reaches it again
    await store.update(tool(`${internal.url}/c`), writer('bob'));
    await expect(run()).resolves.toBe('internal');
    expect(internal.requests.map((req) => req.url)).toEqual(['/a', '/c']);
  });
});
