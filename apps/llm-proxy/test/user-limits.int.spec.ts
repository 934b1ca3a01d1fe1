import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { AuthModule } from '@kastra/auth';
import { EventStoreModule } from '@kastra/event-store';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { MessagingModule } from '@kastra/messaging';
import { createTestDatabase, deleteTestStreams, eventually, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { MODEL_RESOLVER } from '../src/calls/model-resolver';
import { loadProxySettings, type ProxySettings } from '../src/calls/proxy-settings';
import { LlmCallsModule } from '../src/llm-calls.module';
import { RegistryModule } from '../src/registry/registry.module';
import { StaticModelResolver } from './static-model-resolver';
import { testHome } from './test-proxy';

/** Assembled at runtime so that no literal in the repository looks like a provider key. */
const KEY = ['sk', 'test', 'user-limits', 'z'.repeat(8)].join('-');
/** Far longer than any wait below: a replica sees a change only because it was told, not because its cache expired. */
const REGISTRY_CACHE_MS = '120000';

interface Replica {
  url: string;
  close(): Promise<void>;
}

/**
 * One llm-proxy with the registry (admin API, llm_user_limits, change bus) and the call path,
 * models from a static resolver. The registry reads its settings from the environment at start.
 */
async function startReplica(options: { databaseUrl: string; prefix: string; home: string; resolver: StaticModelResolver; settings?: Partial<ProxySettings> }): Promise<Replica> {
  const settings: ProxySettings = { ...loadProxySettings({ KASTRA_NATS_PREFIX: options.prefix }), retryBaseMs: 20, ...options.settings };
  const env: Record<string, string> = { DATABASE_URL: options.databaseUrl, KASTRA_HOME: options.home, KASTRA_LLM_REGISTRY_CACHE_MS: REGISTRY_CACHE_MS };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);

  @Module({
    imports: [
      EventStoreModule.forRoot({ databaseUrl: options.databaseUrl, poolSize: 3 }),
      MessagingModule.forRoot({ prefix: options.prefix }),
      AuthModule.forRoot(options.home),
      RegistryModule,
      LlmCallsModule.forRoot({ imports: [RegistryModule], resolver: { provide: MODEL_RESOLVER, useValue: options.resolver }, settings }),
    ],
  })
  class UserLimitsTestModule {}

  try {
    const app = await NestFactory.create<NestExpressApplication>(UserLimitsTestModule, { logger: false, abortOnError: false });
    app.useBodyParser('json', { limit: '1mb' });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    return { url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, close: () => app.close() };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Windows are per minute: a burst that straddles a minute boundary may see the previous one fade. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
}

describe('llm-proxy per-user limits set by an admin (Postgres, Redis, NATS)', () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let resolver: StaticModelResolver;
  let first: Replica;
  let second: Replica;
  const prefix = testNatsPrefix('llmuserlim');
  const home = testHome();
  const admin = () => ({ authorization: `Bearer ${home.token('admin')}` });

  const request = async (replica: Replica, method: string, path: string, body?: unknown, headers: Record<string, string> = admin()) => {
    const response = await fetch(`${replica.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  };
  const setLimits = (replica: Replica, user: string, body: unknown) => request(replica, 'PUT', `/api/v1/llm/user-limits/${encodeURIComponent(user)}`, body);
  const chat = (replica: Replica, user: string, content = 'hello') =>
    request(replica, 'POST', '/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content }] }, { authorization: `Bearer ${home.token('user', user)}` });

  beforeAll(async () => {
    database = await createTestDatabase('llmuserlim');
    upstream = await startMockOpenAIServer();
    resolver = new StaticModelResolver([{ name: 'chat-model', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'k1', apiKey: KEY }] }]);
    // Two replicas on one database, NATS prefix and Redis; no default user limit (KASTRA_LLM_USER_RPM/TPM unset)
    first = await startReplica({ databaseUrl: database.url, prefix, home: home.home, resolver });
    second = await startReplica({ databaseUrl: database.url, prefix, home: home.home, resolver });
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  it('refuses the third call of a user an admin limited to 2 RPM, OpenAI-style, and leaves a user without limits alone', async () => {
    // Given ann limited to 2 requests a minute through one replica
    const put = await setLimits(first, 'ann', { rpm_limit: 2, tpm_limit: null });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ user: 'ann', rpm_limit: 2, tpm_limit: null, updated_at: expect.any(String) });
    await awayFromMinuteBoundary();
    // When ann calls three times on the other replica
    const calls = [await chat(second, 'ann', 'a0'), await chat(second, 'ann', 'a1'), await chat(second, 'ann', 'a2')];
    // Then the first two are answered and the third is refused as OpenAI refuses, with when to retry
    expect(calls.map((c) => c.status)).toEqual([200, 200, 429]);
    expect(calls[2].json).toEqual({ error: { message: expect.stringContaining('RPM limit of 2'), type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
    expect(Number(calls[2].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(upstream.requests.filter((r) => JSON.stringify(r.body).includes('"a2"'))).toHaveLength(0);
    // And bob, who has no row and no default limit, is not limited
    for (let i = 0; i < 6; i++) expect((await chat(second, 'bob', `b${i}`)).status).toBe(200);
  });

  it('applies a change on every replica without a restart, and a deleted row gives the user the default back', async () => {
    // Given cleo's limits cached by the second replica
    expect((await setLimits(first, 'cleo', { rpm_limit: 1000, tpm_limit: 1_000_000 })).status).toBe(200);
    expect((await chat(second, 'cleo')).status).toBe(200);
    // When the first replica blocks her (0 = every call refused)
    expect((await setLimits(first, 'cleo', { rpm_limit: 0, tpm_limit: 1_000_000 })).status).toBe(200);
    // Then the second replica refuses her within moments, long before its cache would expire
    const refused = await eventually(async () => {
      const call = await chat(second, 'cleo');
      return call.status === 429 && call;
    }, 10_000);
    expect(refused.json.error.message).toContain('RPM limit of 0');
    // When her row is deleted
    const deleted = await request(first, 'DELETE', '/api/v1/llm/user-limits/cleo');
    expect(deleted).toMatchObject({ status: 200, json: { user: 'cleo', deleted: true } });
    // Then she has the default again: no limit
    await eventually(async () => (await chat(second, 'cleo')).status === 200, 10_000);
    expect((await request(first, 'GET', '/api/v1/llm/user-limits/cleo')).status).toBe(404);
    expect((await request(first, 'DELETE', '/api/v1/llm/user-limits/cleo')).status).toBe(404);
  });

  it('takes a null limit as no limit even where the proxy has a default, and the default again once the row is gone', async () => {
    // Given a replica whose default refuses every user without limits of their own
    const strict = await startReplica({ databaseUrl: database.url, prefix, home: home.home, resolver, settings: { userRpm: 0 } });
    try {
      expect((await chat(strict, 'dora')).status).toBe(429);
      // When an admin gives dora a row of nulls (on another replica)
      expect((await setLimits(first, 'dora', { rpm_limit: null, tpm_limit: null })).status).toBe(200);
      // Then she is not limited at all, the default included
      await eventually(async () => (await chat(strict, 'dora')).status === 200, 10_000);
      for (let i = 0; i < 3; i++) expect((await chat(strict, 'dora')).status).toBe(200);
      // And once the row is deleted, the default applies again
      expect((await request(first, 'DELETE', '/api/v1/llm/user-limits/dora')).status).toBe(200);
      await eventually(async () => (await chat(strict, 'dora')).status === 429, 10_000);
    } finally {
      await strict.close();
    }
  });

  it('lists and reads the rows; a TPM limit is charged like the RPM one', async () => {
    expect((await setLimits(first, 'eve', { rpm_limit: null, tpm_limit: 1 })).status).toBe(200);
    // A call reserves its prompt estimate + the completion reserve: more than 1 token, so refused outright
    const refused = await chat(second, 'eve');
    expect(refused.status).toBe(429);
    expect(refused.json.error.message).toContain('TPM limit of 1');
    const one = await request(second, 'GET', '/api/v1/llm/user-limits/eve');
    expect(one).toMatchObject({ status: 200, json: { user: 'eve', rpm_limit: null, tpm_limit: 1 } });
    const list = await request(second, 'GET', '/api/v1/llm/user-limits');
    expect(list.status).toBe(200);
    expect(list.json.data.map((row: { user: string }) => row.user)).toEqual(['ann', 'eve']);
    expect(list.json).toMatchObject({ total: 2, has_more: false, first_id: 'ann', last_id: 'eve' });
  });

  it('lists the rows a page at a time, in user order, with limit and after', async () => {
    for (const user of ['page-a', 'page-b', 'page-c']) expect((await setLimits(first, user, { rpm_limit: 5, tpm_limit: null })).status).toBe(200);
    const users = (response: { json: { data: Array<{ user: string }> } }) => response.json.data.map((row) => row.user);
    // Given more rows than a page
    const all = await request(first, 'GET', '/api/v1/llm/user-limits');
    const pageUsers = users(all).filter((user: string) => user.startsWith('page-'));
    expect(pageUsers).toEqual(['page-a', 'page-b', 'page-c']);
    // When they are read two at a time from page-a on
    const one = await request(first, 'GET', '/api/v1/llm/user-limits?limit=2&after=ann');
    expect(one.status).toBe(200);
    expect(users(one)).toEqual(users(all).filter((user: string) => user > 'ann').slice(0, 2));
    expect(one.json).toMatchObject({ has_more: true, total: all.json.total });
    // Then following last_id walks the rest without gaps or repeats, and the last page says so
    const seen = [...users(one)];
    let cursor = one.json.last_id as string;
    for (let guard = 0; guard < 10; guard++) {
      const next = await request(first, 'GET', `/api/v1/llm/user-limits?limit=2&after=${encodeURIComponent(cursor)}`);
      seen.push(...users(next));
      if (!next.json.has_more) break;
      cursor = next.json.last_id;
    }
    expect(seen).toEqual(users(all).filter((user: string) => user > 'ann'));
    // And after the last user there is an empty page that still counts every row
    expect(all.json.has_more).toBe(false);
    const end = await request(first, 'GET', `/api/v1/llm/user-limits?limit=2&after=${encodeURIComponent(all.json.last_id)}`);
    expect(end.status).toBe(200);
    expect(end.json).toEqual({ object: 'list', data: [], total: all.json.total, has_more: false, first_id: null, last_id: null });
    // And a bad limit is a 400 that says what is allowed
    for (const limit of ['0', '1001', 'ten', '2.5']) {
      const bad = await request(first, 'GET', `/api/v1/llm/user-limits?limit=${limit}`);
      expect(bad.status).toBe(400);
      expect(bad.json.error.message).toContain('limit must be a whole number from 1 to 1000');
    }
  });

  it('rejects bad bodies naming the field, and stores nothing', async () => {
    const causesOf = (response: { json: { error: { causes?: Array<{ field: string; reason: string }> } } }) =>
      (response.json.error.causes ?? []).map((c) => `${c.field}:${c.reason}`).sort();
    const negative = await setLimits(first, 'fred', { rpm_limit: -1, tpm_limit: 1.5 });
    expect(negative.status).toBe(422);
    expect(causesOf(negative)).toEqual(['rpm_limit:FieldValueInvalid', 'tpm_limit:FieldValueInvalid']);
    expect(negative.json.error.message).toContain('fred');
    const text = await setLimits(first, 'fred', { rpm_limit: '60', tpm_limit: null });
    expect(causesOf(text)).toEqual(['rpm_limit:FieldValueInvalid']);
    const tooLarge = await setLimits(first, 'fred', { rpm_limit: 2 ** 31, tpm_limit: null });
    expect(causesOf(tooLarge)).toEqual(['rpm_limit:FieldValueInvalid']);
    const missing = await setLimits(first, 'fred', { rpm_limit: 60 });
    expect(missing.status).toBe(422);
    expect(causesOf(missing)).toEqual(['tpm_limit:FieldValueRequired']);
    const unknown = await setLimits(first, 'fred', { rpm_limit: 60, tpm_limit: null, rpm: 60 });
    expect(causesOf(unknown)).toEqual(['rpm:FieldValueNotSupported']);
    expect((await setLimits(first, 'fred', [60, 100])).status).toBe(400);
    expect((await setLimits(first, 'fred', '{"rpm_limit": ')).status).toBe(400);
    expect((await setLimits(first, 'x'.repeat(300), { rpm_limit: 1, tpm_limit: 1 })).status).toBe(400);
    expect((await request(first, 'GET', '/api/v1/llm/user-limits/fred')).status).toBe(404);
  });

  it('is for admins only: a user gets 403 and no token 401', async () => {
    const asUser = { authorization: `Bearer ${home.token('user', 'ann')}` };
    expect((await request(first, 'GET', '/api/v1/llm/user-limits', undefined, asUser)).status).toBe(403);
    expect((await request(first, 'GET', '/api/v1/llm/user-limits/ann', undefined, asUser)).status).toBe(403);
    expect((await request(first, 'PUT', '/api/v1/llm/user-limits/ann', { rpm_limit: null, tpm_limit: null }, asUser)).status).toBe(403);
    expect((await request(first, 'DELETE', '/api/v1/llm/user-limits/ann', undefined, asUser)).status).toBe(403);
    expect((await request(first, 'GET', '/api/v1/llm/user-limits', undefined, {})).status).toBe(401);
    // And ann's limit is unchanged
    expect((await request(first, 'GET', '/api/v1/llm/user-limits/ann')).json).toMatchObject({ rpm_limit: 2, tpm_limit: null });
  });
});
