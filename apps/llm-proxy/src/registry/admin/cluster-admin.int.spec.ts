import { randomBytes } from 'node:crypto';
import type { Resource } from '@kastra/api';
import { JwtAuthority } from '@kastra/auth';
import { migrate } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startRegistryTestApp, type RegistryTestApp } from '../registry-test-app';

const JWT_SECRET = randomBytes(32).toString('hex');
const MASTER_KEY = randomBytes(32).toString('base64');
const authority = new JwtAuthority(JWT_SECRET);
const RBAC = 'rbac.authorization.k8s.io';

describe('llm-proxy admin API: cluster-admin by the cluster RBAC', () => {
  let db: TestDatabase;
  let prefix: string;
  let app: RegistryTestApp;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  const bind = (kind: 'ClusterRoleBinding' | 'RoleBinding', sub: string, role: string, namespace?: string) =>
    store.create(
      {
        apiVersion: `${RBAC}/v1`,
        kind,
        metadata: { name: `${sub}-${role}`, ...(namespace ? { namespace } : {}) },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'User', apiGroup: RBAC, name: sub }],
      } as unknown as Resource,
      { actor: 'test', principal: { sub: 'test', groups: ['system:masters'] } },
    );
  const listProviders = async (sub: string, groups: string[] = []) =>
    (await fetch(`${app.url}/api/v1/llm/providers`, { headers: { authorization: `Bearer ${authority.issue({ sub, groups })}` } })).status;

  beforeAll(async () => {
    db = await createTestDatabase('proxyrbac');
    prefix = testNatsPrefix('proxyrbac');
    const pool = db.pool({ max: 3 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, homeDir: undefined });
    app = await startRegistryTestApp({ databaseUrl: db.url, prefix, env: { KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_MASTER_KEY: MASTER_KEY, KASTRA_PREVIOUS_MASTER_KEYS: undefined } });
    // The bootstrap ClusterRoles as the gateway seeds them are built in: only bindings are stored here
    await bind('ClusterRoleBinding', 'ops', 'cluster-admin');
    await bind('ClusterRoleBinding', 'editor', 'edit');
    await bind('RoleBinding', 'team-admin', 'cluster-admin', 'team-a');
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await deleteTestStreams(prefix);
    await db?.drop();
  });

  it('admits system:masters and users bound cluster-wide to cluster-admin; refuses everyone else with 403', async () => {
    expect(await listProviders('root', ['system:masters'])).toBe(200);
    expect(await listProviders('ops')).toBe(200);
    // cluster-admin granted in one namespace only is not cluster admin
    expect(await listProviders('team-admin')).toBe(403);
    expect(await listProviders('editor')).toBe(403);
    expect(await listProviders('nobody')).toBe(403);
  });

  it('follows a revoked binding at once', async () => {
    await bind('ClusterRoleBinding', 'temp', 'cluster-admin');
    expect(await listProviders('temp')).toBe(200);
    await store.delete({ kind: 'ClusterRoleBinding', namespace: '', name: 'temp-cluster-admin' }, { actor: 'test' });
    expect(await listProviders('temp')).toBe(403);
  });
});
