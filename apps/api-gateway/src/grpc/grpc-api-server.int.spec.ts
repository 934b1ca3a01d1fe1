import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import type { Pool } from 'pg';
import { migrate } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, eventually, type TestDatabase } from '@kastra/testing';
import { ResourceServiceTestClient, WatchRecorder } from './test/resource-service-test-client';
import { adminToken, grantClusterRole, startGrpcGateway, testAuthority, userToken } from './test/start-grpc-gateway';

const llm = (name: string, model: string, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name, labels }, spec: { provider: 'mock', model } });

describe('gRPC API over the Postgres resource store', () => {
  let database: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let app: INestApplicationContext;
  let client: ResourceServiceTestClient;

  beforeAll(async () => {
    database = await createTestDatabase('grpc');
    pool = database.pool({ max: 4 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: database.url, cipher: new SecretCipher(randomBytes(32)) });
    const started = await startGrpcGateway(store);
    app = started.app;
    // alice edits every namespace, bob views every namespace, carol edits default only
    await grantClusterRole(app, store, 'alice', 'edit');
    await grantClusterRole(app, store, 'bob', 'view');
    await grantClusterRole(app, store, 'carol', 'edit', 'default');
    client = new ResourceServiceTestClient(started.address, userToken);
  });

  afterAll(async () => {
    client?.close();
    await app?.close();
    await store?.close();
    await database?.drop();
  });

  it('applies, updates (generation 2), gets, lists by label, watches from the list version and deletes', async () => {
    // Given an LLM applied twice with a new model, and another with other labels
    const created = await client.apply(llm('my-llm', 'gpt-4o', { team: 'search' }));
    const updated = await client.apply(llm('my-llm', 'gpt-4.1', { team: 'search' }));
    await client.apply(llm('other', 'gpt-4o', { team: 'ads' }));
    expect(created.metadata.generation).toBe(1);
    expect(updated.metadata).toMatchObject({ generation: 2, uid: created.metadata.uid });
    expect((await client.get('llm', 'my-llm')).spec).toMatchObject({ model: 'gpt-4.1' });
    // When listing team=search and watching from that list's version
    const listed = await client.list({ kind: 'llms', label_selector: 'team=search' });
    expect(listed.items.map((item) => item.metadata.name)).toEqual(['my-llm']);
    const watch = new WatchRecorder(client.watch({ kind: 'LLM', label_selector: 'team=search', resource_version: listed.resourceVersion }));
    // And the object changes after the list, then is deleted
    await client.apply(llm('my-llm', 'gpt-5', { team: 'search' }));
    await client.apply(llm('other', 'gpt-5', { team: 'ads' }));
    const deleted = await client.delete('LLM', 'my-llm');
    // Then the watch sees exactly those changes of the selected object
    await eventually(async () => watch.events.length >= 2);
    expect(watch.summary()).toEqual(['MODIFIED my-llm', 'DELETED my-llm']);
    expect(deleted.metadata.name).toBe('my-llm');
    await expect(client.get('LLM', 'my-llm')).rejects.toMatchObject({ code: status.NOT_FOUND });
    watch.stream.cancel();
  });

  it('sends ADDED for an object created after the watch began, in the watched namespace only', async () => {
    const { resourceVersion } = await client.list({ kind: 'llms', namespace: 'team-a' });
    const watch = new WatchRecorder(client.watch({ kind: 'llms', namespace: 'team-a', resource_version: resourceVersion }));
    await client.apply(llm('elsewhere', 'm'));
    const manifest = JSON.parse(llm('fresh', 'm'));
    manifest.metadata.namespace = 'team-a';
    await client.apply(JSON.stringify(manifest));
    await eventually(async () => watch.events.length >= 1);
    expect(watch.summary()).toEqual(['ADDED fresh']);
    watch.stream.cancel();
  });

  it('with an empty resource_version sends the changes made after the watch began, and nothing else', async () => {
    // Given a transaction left open elsewhere (the log's commit-safe head stays below it), and two
    // LLMs created after it, so the head a list reads at lags behind the objects it shows
    const elsewhere = await pool.connect();
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT pg_current_xact_id()');
    const inNamespace = (name: string, model: string) => JSON.stringify({ ...JSON.parse(llm(name, model)), metadata: { name, namespace: 'from-now' } });
    try {
      await client.apply(inNamespace('present-1', 'm'));
      await client.apply(inNamespace('present-2', 'm'));
      // When a watch starts with an empty resource_version (its headers say it is in place)
      const watch = new WatchRecorder(client.watch({ kind: 'LLM', namespace: 'from-now', resource_version: '' }));
      await watch.started;
      // And the other transaction ends, and one of the LLMs changes
      await elsewhere.query('ROLLBACK');
      await client.apply(inNamespace('present-1', 'changed'));
      // Then that change is the one event: no replay of the present objects, no duplicate
      await eventually(async () => watch.events.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(watch.summary()).toEqual(['MODIFIED present-1']);
      expect(watch.events[0].object.spec).toMatchObject({ model: 'changed' });
      watch.stream.cancel();
    } finally {
      await elsewhere.query('ROLLBACK');
      elsewhere.release();
    }
  });

  it('with resource_version "0" sends the present objects as ADDED first, then the changes, each once', async () => {
    // Given an LLM created while a transaction elsewhere keeps the log's commit-safe head behind it
    const elsewhere = await pool.connect();
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT pg_current_xact_id()');
    const inNamespace = (name: string, model: string) => JSON.stringify({ ...JSON.parse(llm(name, model)), metadata: { name, namespace: 'from-zero' } });
    try {
      await client.apply(inNamespace('present', 'm'));
      // When a watch starts from "0" (its list is exact at the head, which the open transaction
      // holds behind the creation), the other transaction ends, and the LLM changes
      const watch = new WatchRecorder(client.watch({ kind: 'LLM', namespace: 'from-zero', resource_version: '0' }));
      await watch.started;
      await elsewhere.query('ROLLBACK');
      await client.apply(inNamespace('present', 'changed'));
      // Then the object comes as ADDED, then its change, and its creation is not sent again
      await eventually(async () => watch.events.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(watch.summary()).toEqual(['ADDED present', 'MODIFIED present']);
      watch.stream.cancel();
    } finally {
      await elsewhere.query('ROLLBACK');
      elsewhere.release();
    }
  });

  it('refuses a resource_version that is not a log position with INVALID_ARGUMENT', async () => {
    // Given watches from a version past a BIGINT (a database error before) and from a word
    for (const resourceVersion of ['99999999999999999999999', 'latest']) {
      const watch = new WatchRecorder(client.watch({ kind: 'llms', namespace: 'default', resource_version: resourceVersion }));
      // Then each ends with INVALID_ARGUMENT naming the version, never INTERNAL
      await eventually(async () => watch.error !== undefined);
      expect(watch.error).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('invalid resource version') });
    }
  });

  it('rejects an invalid manifest naming the field and a stale delete precondition, changing nothing', async () => {
    const bad = JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'bad' }, spec: { provider: 'mock' } });
    await expect(client.apply(bad)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('spec.model') });
    await expect(client.get('LLM', 'bad')).rejects.toMatchObject({ code: status.NOT_FOUND });
    const kept = await client.apply(llm('kept', 'm'));
    await expect(client.delete('LLM', 'kept', { resource_version: '1' })).rejects.toMatchObject({ code: status.ABORTED });
    expect((await client.get('LLM', 'kept')).metadata.uid).toBe(kept.metadata.uid);
  });

  it('keeps Secrets from view and edit readers, and never returns their values in clear', async () => {
    const secret = JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { openai: 'sk-very-secret' } });
    const viewer = client.as(testAuthority.issue({ sub: 'bob', groups: [] }));
    await expect(viewer.apply(secret)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    const admin = client.as(adminToken);
    const stored = await admin.apply(secret);
    expect(JSON.stringify(stored)).not.toContain('sk-very-secret');
    expect(JSON.stringify(await admin.get('Secret', 'keys'))).not.toContain('sk-very-secret');
    // edit may write a Secret but never read one back
    await expect(client.get('Secret', 'keys')).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(client.list({ kind: 'secrets' })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(viewer.get('Secret', 'keys')).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('authorizes every call by RBAC: a user bound in one namespace cannot act in another, nor bind itself cluster-admin', async () => {
    // Given carol, who edits default only, and an admin's LLM in team-b
    const admin = client.as(adminToken);
    const carol = client.as(testAuthority.issue({ sub: 'carol', groups: [] }));
    const foreign = JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'keyed', namespace: 'team-b' }, spec: { provider: 'mock', model: 'm' } });
    await admin.apply(foreign);
    // When carol applies, reads, lists, watches or deletes there (dry-run included)
    const denied = { code: status.PERMISSION_DENIED, details: expect.stringContaining('User "carol" cannot') };
    await expect(carol.apply(foreign.replace('"m"', '"evil"'))).rejects.toMatchObject(denied);
    await expect(carol.apply(foreign.replace('"m"', '"evil"'), { dry_run: true })).rejects.toMatchObject(denied);
    await expect(carol.get('LLM', 'keyed', 'team-b')).rejects.toMatchObject(denied);
    await expect(carol.list({ kind: 'LLM', namespace: 'team-b' })).rejects.toMatchObject(denied);
    await expect(carol.list({ kind: 'LLM' })).rejects.toMatchObject(denied);
    await expect(carol.delete('LLM', 'keyed', { namespace: 'team-b' })).rejects.toMatchObject(denied);
    const watch = new WatchRecorder(carol.watch({ kind: 'LLM', namespace: 'team-b' }));
    await eventually(async () => watch.error !== undefined);
    expect(watch.error).toMatchObject({ code: status.PERMISSION_DENIED });
    // Then nothing changed
    expect((await admin.get('LLM', 'keyed', 'team-b')).spec).toMatchObject({ model: 'm' });
    // And binding herself cluster-admin in her own namespace is an escalation, refused
    const escalation = JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'carol-root', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol' }],
    });
    await expect(carol.apply(escalation)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(admin.get('RoleBinding', 'carol-root')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});
