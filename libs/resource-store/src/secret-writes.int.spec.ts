import type { Pool } from 'pg';
import { randomBytes } from 'node:crypto';
import { InvalidError, type Resource, type ResourceKey } from '@kastra/api';
import { migrate } from '@kastra/event-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { createResourceStore } from './create-resource-store';
import { applyMergePatch } from './merge-patch';
import { REDACTED_SECRET_VALUE } from './secret-data';

const ctx = { actor: 'user:test' };
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const VALUE = 'sk-test-never-stored-in-clear';

/** What `kubectl apply` sends as the manifest and as its annotation. */
function appliedSecret(name: string, stringData: Record<string, string>): Resource {
  const manifest = { apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', stringData };
  return { ...manifest, metadata: { ...manifest.metadata, annotations: { [LAST_APPLIED]: JSON.stringify(manifest) } } };
}

describe('Secret writes through the PostgresResourceStore', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;

  beforeAll(async () => {
    db = await createTestDatabase('secret-writes');
    pool = db.pool();
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const eventCount = async (name: string) =>
    Number((await pool.query(`SELECT count(*) FROM kastra_events WHERE stream_id LIKE $1`, [`%:Secret:default:${name}`])).rows[0].count);

  it('patches a Secret as kubectl does (merge onto the redacted object): an unchanged value writes nothing', async () => {
    // Given a Secret created from stringData, as kubectl apply creates it
    const key: ResourceKey = { kind: 'Secret', namespace: 'default', name: 'reapplied' };
    const created = await store.create(appliedSecret('reapplied', { 'api-key': VALUE }), ctx);
    // When the same manifest is patched onto the object as read (values `<redacted>`)
    const reapplied = await store.patch(key, (current) => applyMergePatch(current!, { stringData: { 'api-key': VALUE } }) as Resource, ctx);
    // Then nothing changed: same version, same generation, one event
    expect(reapplied.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(reapplied.metadata.generation).toBe(1);
    expect(await eventCount('reapplied')).toBe(1);
    expect(await store.revealSecretValue('default', 'reapplied', 'api-key')).toBe(VALUE);
  });

  it('keeps the values when only a label is patched, and changes a value sent anew', async () => {
    // Given a Secret
    const key: ResourceKey = { kind: 'Secret', namespace: 'default', name: 'labelled' };
    await store.create(appliedSecret('labelled', { 'api-key': VALUE, other: 'x' }), ctx);
    // When a label is patched (the redacted values travel back), then one value is replaced
    const labelled = await store.patch(key, (current) => applyMergePatch(current!, { metadata: { labels: { team: 'a' } } }) as Resource, ctx);
    const changed = await store.patch(key, (current) => applyMergePatch(current!, { stringData: { other: 'y' } }) as Resource, ctx);
    // Then the label is there, the values kept, and only the new value bumped the generation
    expect(labelled.metadata).toMatchObject({ labels: { team: 'a' }, generation: 1 });
    expect(changed.metadata.generation).toBe(2);
    expect(changed.data).toEqual({ 'api-key': REDACTED_SECRET_VALUE, other: REDACTED_SECRET_VALUE });
    expect(await store.revealSecretValue('default', 'labelled', 'api-key')).toBe(VALUE);
    expect(await store.revealSecretValue('default', 'labelled', 'other')).toBe('y');
  });

  it('refuses `<redacted>` for a key the Secret has no value for, without storing anything', async () => {
    const secret: Resource = { apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'no-value' }, data: { token: REDACTED_SECRET_VALUE } };
    const error = await store.create(secret, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes).toEqual([expect.objectContaining({ field: 'data.token' })]);
    expect(await store.get({ kind: 'Secret', namespace: 'default', name: 'no-value' })).toBeUndefined();
  });

  it('keeps the keys of the last-applied annotation but none of the values, redacted or not', async () => {
    // Given a Secret applied with stringData and data
    const manifest = appliedSecret('annotated', { 'api-key': VALUE });
    const withData = { ...manifest, data: { token: Buffer.from('t0ken').toString('base64') } };
    withData.metadata.annotations = { [LAST_APPLIED]: JSON.stringify({ ...JSON.parse(manifest.metadata.annotations![LAST_APPLIED]), data: withData.data }) };
    // When it is stored
    const created = await store.create(withData, ctx);
    // Then the annotation still names every key (kubectl computes removed keys from it) without a value
    const annotation = JSON.parse(created.metadata.annotations![LAST_APPLIED]);
    expect(annotation).toMatchObject({ kind: 'Secret', metadata: { name: 'annotated' }, stringData: { 'api-key': null }, data: { token: null } });
    const { rows } = await pool.query(`SELECT data::text AS text FROM kastra_events UNION ALL SELECT object::text FROM kastra_resources`);
    const everything = rows.map((row) => row.text).join('\n');
    const values = [VALUE, Buffer.from(VALUE).toString('base64'), withData.data.token];
    for (const value of [...values, REDACTED_SECRET_VALUE]) expect(created.metadata.annotations![LAST_APPLIED]).not.toContain(value);
    // And no value reached the log or the projection
    for (const value of values) expect(everything).not.toContain(value);
  });
});
