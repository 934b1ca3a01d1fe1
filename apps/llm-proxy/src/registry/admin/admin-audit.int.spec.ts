import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { JwtAuthority } from '@kastra/auth';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startRegistryTestApp, type RegistryTestApp } from '../registry-test-app';
import { ADMIN_WRITE_AUDITED, type AdminWriteAudited, auditStreamId } from './admin-write-audited';

const JWT_SECRET = randomBytes(32).toString('hex');
const MASTER_KEY = randomBytes(32).toString('base64');
/** Assembled at runtime so that no literal in the repository looks like a provider key. */
const PROVIDER_KEY = ['sk', 'audit', randomBytes(12).toString('hex')].join('-');
const authority = new JwtAuthority(JWT_SECRET);
const admin = { authorization: `Bearer ${authority.issue({ sub: 'root', role: 'admin' })}` };

/**
 * Every write of the admin API leaves an AdminWriteAudited event in the log (`audit:<day>`):
 * who, what (method, path, object, fields), when, and how it ended — never a key.
 */
describe('llm-proxy admin audit events', () => {
  let db: TestDatabase;
  let app: RegistryTestApp;
  let pool: Pool;
  const prefix = testNatsPrefix('llmaudit');

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined };
  };

  const auditEvents = async () =>
    (await pool.query<{ stream_id: string; type: string; data: AdminWriteAudited; metadata: Record<string, unknown> }>(
      `SELECT stream_id, type, data, metadata FROM kastra_events WHERE stream_id LIKE 'audit:%' ORDER BY global_position`,
    )).rows;

  beforeAll(async () => {
    db = await createTestDatabase('llmaudit');
    app = await startRegistryTestApp({ databaseUrl: db.url, prefix, env: { KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_MASTER_KEY: MASTER_KEY, KASTRA_PREVIOUS_MASTER_KEYS: undefined } });
    pool = new Pool({ connectionString: db.url, max: 2 });
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await deleteTestStreams(prefix).catch(() => undefined);
    await db?.drop();
  });

  it('records who wrote what and when for models, keys and user limits, and never the key', async () => {
    // Given an admin who creates a model with a key, changes it, sets and removes a user's limits,
    // sends a refused body whose field name is the key, and deletes the model
    const started = new Date();
    const created = await call('POST', '/api/v1/llm-models', { name: 'Audited', model_id: 'audited', provider: 'openai', type: 'chat', api_keys: [{ key: PROVIDER_KEY, status: 'enabled' }] });
    expect(created.status).toBe(201);
    const id = created.json!.id as string;
    expect((await call('PATCH', `/api/v1/llm-models/${id}`, { description: 'now described', rpm_limit: 60 })).status).toBe(200);
    expect((await call('PUT', '/api/v1/llm/user-limits/alice', { rpm_limit: 10, tpm_limit: null })).status).toBe(200);
    expect((await call('PATCH', `/api/v1/llm-models/${id}`, { [PROVIDER_KEY]: true })).status).toBe(422);
    expect((await call('DELETE', '/api/v1/llm/user-limits/alice')).status).toBe(200);
    expect((await call('DELETE', `/api/v1/llm-models/${id}`)).status).toBe(200);
    // And a read, which is not a write
    expect((await call('GET', `/api/v1/llm/user-limits`)).status).toBe(200);

    // When the audit streams are read
    const events = await auditEvents();

    // Then there is one event per write, in the day's stream, naming the admin and what changed
    expect(events.map((event) => `${event.data.method} ${event.data.resource} ${event.data.outcome} ${event.data.status}`)).toEqual([
      'POST llm-models succeeded 201',
      'PATCH llm-models succeeded 200',
      'PUT user-limits succeeded 200',
      'PATCH llm-models failed 422',
      'DELETE user-limits succeeded 200',
      'DELETE llm-models succeeded 200',
    ]);
    for (const event of events) {
      expect(event.type).toBe(ADMIN_WRITE_AUDITED);
      expect(event.stream_id).toBe(auditStreamId(new Date(event.data.at)));
      expect(event.data.actor).toBe('root');
      expect(event.metadata.actor).toBe('user:root');
      expect(new Date(event.data.at).getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    }
    expect(events[0].data).toMatchObject({ path: '/api/v1/llm-models', target: { id, name: 'audited' }, fields: ['api_keys', 'model_id', 'name', 'provider', 'type'] });
    expect(events[1].data).toMatchObject({ path: `/api/v1/llm-models/${id}`, target: { id, name: 'audited' }, fields: ['description', 'rpm_limit'] });
    expect(events[2].data).toMatchObject({ path: '/api/v1/llm/user-limits/alice', target: { name: 'alice' }, fields: ['rpm_limit', 'tpm_limit'] });
    expect(events[3].data).toMatchObject({ target: { id }, fields: [] });
    expect(events[5].data).toMatchObject({ target: { id } });
    // And the key is in none of them, not even as the refused field's name
    expect(JSON.stringify(events)).not.toContain(PROVIDER_KEY);
    expect(JSON.stringify(events)).not.toContain(PROVIDER_KEY.slice(-12));
  });
});
