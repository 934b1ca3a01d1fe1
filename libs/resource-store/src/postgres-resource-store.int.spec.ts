import type { Pool } from 'pg';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError, type Resource } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { randomBytes } from 'node:crypto';
import { createResourceStore } from './create-resource-store';
import { rebuildResourceProjection } from './rebuild-resource-projection';
import { applyMergePatch } from './merge-patch';
import { REDACTED_SECRET_VALUE } from './secret-data';
import type { WatchEvent } from './resource-store';

const ctx = { actor: 'user:test' };

function llm(name: string, extra: Partial<Resource> = {}): Resource {
  return {
    apiVersion: 'mastra.ai/v1',
    kind: 'LLM',
    metadata: { name, namespace: 'default', labels: { tier: 'test' } },
    spec: { provider: 'mock', model: 'mock-1' },
    ...extra,
  };
}

describe('PostgresResourceStore', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  beforeAll(async () => {
    db = await createTestDatabase('resources');
    pool = db.pool();
    await migrate(pool);
    const cipher = new SecretCipher(randomBytes(32));
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('creates with server fields and rejects a second create of the same name', async () => {
    const created = await store.create(llm('a'), ctx);
    expect(created.metadata).toMatchObject({ name: 'a', namespace: 'default', generation: 1 });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    await expect(store.create(llm('a'), ctx)).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await store.get({ kind: 'LLM', namespace: 'default', name: 'a' })).toEqual(created);
  });

  it('rejects an invalid manifest with field paths and stores nothing', async () => {
    const bad = llm('bad', { spec: { provider: 'nope', model: 3 } as never });
    const error = await store.create(bad, ctx).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes.map((c) => c.field)).toEqual(expect.arrayContaining(['spec.provider', 'spec.model']));
    expect(await store.get({ kind: 'LLM', namespace: 'default', name: 'bad' })).toBeUndefined();
  });

  it('bumps generation on spec changes only, resourceVersion on every write, and 409s a stale version', async () => {
    const created = await store.create(llm('gen'), ctx);
    const labelled = await store.update({ ...created, metadata: { ...created.metadata, labels: { x: 'y' } } }, ctx);
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    const changed = await store.update({ ...labelled, spec: { provider: 'mock', model: 'mock-2' } }, ctx);
    expect(changed.metadata.generation).toBe(2);
    await expect(store.update({ ...created, spec: { provider: 'mock', model: 'x' } }, ctx)).rejects.toBeInstanceOf(ConflictError);
    const status = await store.updateStatus({ kind: 'LLM', namespace: 'default', name: 'gen' }, { phase: 'Ready', observedGeneration: 2 }, ctx);
    expect(status.metadata.generation).toBe(2);
    expect(status.status).toEqual({ phase: 'Ready', observedGeneration: 2 });
    // An update that changes nothing writes nothing.
    const same = await store.update({ ...status, metadata: { ...status.metadata, resourceVersion: undefined } }, ctx);
    expect(same.metadata.resourceVersion).toBe(status.metadata.resourceVersion);
  });

  it('patches with retries, dry-runs without storing, and 404s a missing object', async () => {
    const key = { kind: 'LLM', namespace: 'default', name: 'patched' };
    await store.create(llm('patched'), ctx);
    const patched = await store.patch(key, (c) => applyMergePatch(c!, { spec: { options: { temperature: 0.2 } } }), ctx);
    expect(patched.spec).toEqual({ provider: 'mock', model: 'mock-1', options: { temperature: 0.2 } });
    const dry = await store.patch(key, (c) => applyMergePatch(c!, { spec: { model: 'dry' } }), { ...ctx, dryRun: true });
    expect(dry.spec?.model).toBe('dry');
    expect((await store.get(key))!.spec!.model).toBe('mock-1');
    await expect(store.patch({ ...key, name: 'missing' }, (c) => c!, ctx)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.create(llm('dry-created'), { ...ctx, dryRun: true })).resolves.toMatchObject({ kind: 'LLM', metadata: { name: 'dry-created', namespace: 'default' } });
    expect(await store.get({ ...key, name: 'dry-created' })).toBeUndefined();
  });

  it('keeps an object with finalizers until the last one is removed', async () => {
    const key = { kind: 'LLM', namespace: 'default', name: 'fin' };
    await store.create(llm('fin', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } }), ctx);
    const first = await store.delete(key, ctx);
    expect(first.pending).toBe(true);
    expect((await store.get(key))!.metadata.deletionTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    await store.patch(key, (c) => ({ ...c!, metadata: { ...c!.metadata, finalizers: [] } }), ctx);
    expect(await store.get(key)).toBeUndefined();
  });

  it('lists with label and field selectors and tracks references', async () => {
    await store.create(llm('sel-1', { metadata: { name: 'sel-1', labels: { team: 'a' } } }), ctx);
    await store.create(llm('sel-2', { metadata: { name: 'sel-2', labels: { team: 'b' } } }), ctx);
    const list = await store.list({ kind: 'llms', namespace: 'default', labelSelector: 'team in (a,b),team!=b' });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['sel-1']);
    const byName = await store.list({ kind: 'LLM', fieldSelector: 'metadata.name=sel-2' });
    expect(byName.items.map((i) => i.metadata.name)).toEqual(['sel-2']);
    await store.create(
      { apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'uses-sel-1' }, spec: { instructions: 'hi', model: { ref: 'default.sel-1' } } },
      ctx,
    );
    expect(await store.referrers({ kind: 'LLM', namespace: 'default', name: 'sel-1' })).toEqual([{ kind: 'Agent', namespace: 'default', name: 'uses-sel-1' }]);
  });

  it('never returns Secret values, stores them encrypted, and reveals them only internally', async () => {
    const secret: Resource = {
      apiVersion: 'mastra.ai/v1',
      kind: 'Secret',
      metadata: { name: 'keys', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ stringData: { apiKey: 'sk-test-very-secret' } }) } },
      stringData: { apiKey: 'sk-test-very-secret' },
    };
    const created = await store.create(secret, ctx);
    expect(created.data).toEqual({ apiKey: REDACTED_SECRET_VALUE });
    const { rows } = await pool.query(`SELECT data::text FROM kastra_events UNION ALL SELECT object::text FROM kastra_resources`);
    expect(rows.map((r) => Object.values(r).join()).join('\n')).not.toContain('sk-test-very-secret');
    expect(rows.map((r) => Object.values(r).join()).join('\n')).not.toContain(Buffer.from('sk-test-very-secret').toString('base64'));
    expect(await store.revealSecretValue('default', 'keys', 'apiKey')).toBe('sk-test-very-secret');
  });

  it('watches from a list resourceVersion without missing or inventing changes', async () => {
    const list = await store.list({ kind: 'LLM', namespace: 'watched' });
    const abort = new AbortController();
    const seen: WatchEvent[] = [];
    const watching = (async () => {
      for await (const event of store.watch({ kind: 'LLM', namespace: 'watched' }, list.resourceVersion, abort.signal)) {
        seen.push(event);
        if (seen.length === 3) abort.abort();
      }
    })();
    const key = { kind: 'LLM', namespace: 'watched', name: 'w' };
    await store.create({ ...llm('w'), metadata: { name: 'w', namespace: 'watched' } }, ctx);
    await store.create(llm('elsewhere'), ctx);
    await store.updateStatus(key, { phase: 'Ready' }, ctx);
    await store.delete(key, ctx);
    await watching;
    expect(seen.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:w', 'MODIFIED:w', 'DELETED:w']);
  });

  it('rebuilds exactly the live state from the log', async () => {
    const before = await pool.query(`SELECT kind, namespace, name, object FROM kastra_resources ORDER BY 1, 2, 3`);
    const refsBefore = await pool.query(`SELECT * FROM kastra_resource_references ORDER BY 1, 2, 3, 4, 5, 6`);
    await rebuildResourceProjection(pool);
    const after = await pool.query(`SELECT kind, namespace, name, object FROM kastra_resources ORDER BY 1, 2, 3`);
    const refsAfter = await pool.query(`SELECT * FROM kastra_resource_references ORDER BY 1, 2, 3, 4, 5, 6`);
    expect(after.rows.length).toBeGreaterThan(5);
    expect(after.rows).toEqual(before.rows);
    expect(refsAfter.rows).toEqual(refsBefore.rows);
  });
});
