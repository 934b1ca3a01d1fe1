import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { JwtAuthority } from '@kastra/auth';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startRegistryTestApp, type RegistryTestApp } from '../registry-test-app';

const JWT_SECRET = randomBytes(32).toString('hex');
const MASTER_KEY = randomBytes(32).toString('base64');
const authority = new JwtAuthority(JWT_SECRET);
const admin = { authorization: `Bearer ${authority.issue({ sub: 'root', role: 'admin' })}` };
const user = { authorization: `Bearer ${authority.issue({ sub: 'alice', role: 'user' })}` };
/** Sorts after every UUID: a cursor past the end of any list. */
const LAST_UUID = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

interface Listed {
  id: string;
}
interface Page<T extends Listed> {
  object: string;
  data: T[];
  total: number;
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

describe('llm-proxy admin lists of providers and models, a page at a time (Postgres)', () => {
  let db: TestDatabase;
  let prefix: string;
  let app: RegistryTestApp;
  const env = { KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_MASTER_KEY: MASTER_KEY, KASTRA_PREVIOUS_MASTER_KEYS: undefined };

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const list = async <T extends Listed>(path: string): Promise<Page<T>> => {
    const response = await call('GET', path);
    expect(response.status).toBe(200);
    return response.json as Page<T>;
  };
  /** Follows last_id from the first page to the one that says has_more: false; checks every page on the way. */
  const walk = async <T extends Listed>(path: string, limit: number, onPage?: (page: Page<T>, index: number) => Promise<void>) => {
    const seen: T[] = [];
    const separator = path.includes('?') ? '&' : '?';
    let after: string | null = null;
    for (let index = 0; index < 100; index++) {
      const page: Page<T> = await list<T>(`${path}${separator}limit=${limit}${after ? `&after=${after}` : ''}`);
      expect(page.object).toBe('list');
      expect(page.data.length).toBeLessThanOrEqual(limit);
      expect(page.first_id).toBe(page.data[0]?.id ?? null);
      expect(page.last_id).toBe(page.data.at(-1)?.id ?? null);
      seen.push(...page.data);
      await onPage?.(page, index);
      if (!page.has_more) return { seen, last: page };
      expect(page.data).toHaveLength(limit);
      after = page.last_id;
    }
    throw new Error(`${path}: more than 100 pages`);
  };
  const ids = (rows: Listed[]) => rows.map((row) => row.id);
  const sorted = (values: string[]) => [...values].sort();

  beforeAll(async () => {
    db = await createTestDatabase('llmlists');
    prefix = testNatsPrefix('llmlists');
    app = await startRegistryTestApp({ databaseUrl: db.url, prefix, env });
    // Providers: 5 openai-compatible, 2 mock
    for (let i = 0; i < 7; i++) {
      const created = await call('POST', '/api/v1/llm/providers', { name: `prov-${i}`, type: i < 5 ? 'openai-compatible' : 'mock', base_url: 'http://127.0.0.1:9/v1' });
      expect(created.status).toBe(201);
    }
    // Models: 9 openai (chat; enabled but every third disabled; 3 embedding), 4 anthropic chat
    for (let i = 0; i < 13; i++) {
      const body = i < 9
        ? { name: `oa-${i}`, model_id: `oa-${i}`, provider: 'openai', type: i % 3 === 2 ? 'embedding' : 'chat', status: i % 3 === 1 ? 'disabled' : 'enabled' }
        : { name: `an-${i}`, model_id: `an-${i}`, provider: 'anthropic', type: 'chat' };
      const created = await call('POST', '/api/v1/llm-models', { ...body, api_keys: [{ key: `sk-lists-${i}-${'x'.repeat(12)}` }] });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await app?.close();
    await deleteTestStreams(prefix);
    await db?.drop();
  });

  it('walks the models a page at a time with filters: id order, no gaps or repeats, total counts the filtered rows', async () => {
    const all = await list<Listed & { model_id: string; provider: string; type: string; status: string }>('/api/v1/llm-models?limit=1000');
    expect(all).toMatchObject({ object: 'list', total: 13, has_more: false });
    expect(ids(all.data)).toEqual(sorted(ids(all.data)));
    // Filters combined with each other and with paging
    const cases: Array<[string, (m: (typeof all.data)[number]) => boolean]> = [
      ['', () => true],
      ['provider=openai', (m) => m.provider === 'openai'],
      ['provider=openai&status=enabled', (m) => m.provider === 'openai' && m.status === 'enabled'],
      ['provider=openai&type=chat&status=enabled', (m) => m.provider === 'openai' && m.type === 'chat' && m.status === 'enabled'],
      ['type=chat', (m) => m.type === 'chat'],
    ];
    for (const [query, matches] of cases) {
      const expected = ids(all.data.filter(matches));
      for (const limit of [1, 2, 4]) {
        const { seen, last } = await walk<Listed>(`/api/v1/llm-models?${query}`, limit, async (page) => expect(page.total).toBe(expected.length));
        expect(ids(seen)).toEqual(expected);
        expect(last.has_more).toBe(false);
      }
    }
    // Keys come with the rows of a page (the relation is not cut by the page size)
    const [firstModel] = (await list<Listed & { api_keys: unknown[] }>('/api/v1/llm-models?limit=1')).data;
    expect(firstModel!.api_keys).toHaveLength(1);
  });

  it('walks the providers a page at a time with the type filter', async () => {
    const all = await list<Listed & { type: string }>('/api/v1/llm/providers?limit=1000');
    expect(all).toMatchObject({ total: 7, has_more: false });
    expect(ids(all.data)).toEqual(sorted(ids(all.data)));
    for (const [query, expected] of [
      ['', ids(all.data)],
      ['type=openai-compatible', ids(all.data.filter((p) => p.type === 'openai-compatible'))],
      ['type=mock', ids(all.data.filter((p) => p.type === 'mock'))],
    ] as const) {
      for (const limit of [1, 3]) {
        const { seen } = await walk<Listed>(`/api/v1/llm/providers?${query}`, limit, async (page) => expect(page.total).toBe(expected.length));
        expect(ids(seen)).toEqual(expected);
      }
    }
  });

  it('keeps a walk stable while rows change: a renamed model is still seen once, in its place', async () => {
    const all = ids((await list('/api/v1/llm-models?provider=openai&limit=1000')).data);
    const { seen } = await walk<Listed & { model_id: string }>('/api/v1/llm-models?provider=openai', 3, async (_page, index) => {
      // After the first page, the last row is renamed so that it would sort first by model_id
      if (index === 0) expect((await call('PATCH', `/api/v1/llm-models/${all.at(-1)}`, { model_id: 'aaa-renamed' })).status).toBe(200);
    });
    expect(ids(seen)).toEqual(all);
    expect(seen.at(-1)!.model_id).toBe('aaa-renamed');
  });

  it('answers an empty page for filters that match nothing and for an after past the end', async () => {
    const empty = { object: 'list', data: [], total: 0, has_more: false, first_id: null, last_id: null };
    expect(await list('/api/v1/llm-models?provider=nobody')).toEqual(empty);
    expect(await list('/api/v1/llm-models?provider=anthropic&status=disabled&limit=5')).toEqual(empty);
    expect(await list('/api/v1/llm/providers?type=ollama')).toEqual(empty);
    // After the last row (or any id past it): nothing more, but total still counts the filtered rows
    const anthropic = await list('/api/v1/llm-models?provider=anthropic');
    expect(anthropic.total).toBe(4);
    expect(await list(`/api/v1/llm-models?provider=anthropic&after=${anthropic.last_id}`)).toEqual({ ...empty, total: 4 });
    expect(await list(`/api/v1/llm-models?after=${LAST_UUID}`)).toEqual({ ...empty, total: 13 });
    expect(await list(`/api/v1/llm/providers?after=${LAST_UUID.toUpperCase()}&limit=10`)).toEqual({ ...empty, total: 7 });
    // An id before every row is the whole list
    expect((await list('/api/v1/llm/providers?after=00000000-0000-0000-0000-000000000000')).data).toHaveLength(7);
  });

  it('pages 100 rows by default and at most 1000', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO llm_models (name, model_id, provider) SELECT 'bulk-' || g, 'bulk-' || g, 'ollama' FROM generate_series(1, 1005) g`);
    } finally {
      await client.end();
    }
    const first = await list('/api/v1/llm-models?provider=ollama');
    expect(first).toMatchObject({ total: 1005, has_more: true });
    expect(first.data).toHaveLength(100);
    const biggest = await list('/api/v1/llm-models?provider=ollama&limit=1000');
    expect(biggest).toMatchObject({ total: 1005, has_more: true });
    expect(biggest.data).toHaveLength(1000);
    const rest = await list(`/api/v1/llm-models?provider=ollama&limit=1000&after=${biggest.last_id}`);
    expect(rest).toMatchObject({ total: 1005, has_more: false });
    expect(rest.data).toHaveLength(5);
  });

  it('answers 400 for a bad limit or after, naming what is allowed', async () => {
    for (const path of ['/api/v1/llm-models', '/api/v1/llm-models?provider=openai', '/api/v1/llm/providers', '/api/v1/llm/providers?type=mock']) {
      const separator = path.includes('?') ? '&' : '?';
      for (const limit of ['0', '-1', '1001', 'ten', '2.5', '1e2x']) {
        const bad = await call('GET', `${path}${separator}limit=${limit}`);
        expect(bad.status).toBe(400);
        expect(bad.json.error).toMatchObject({ status: 400, type: 'BadRequest', message: expect.stringContaining('limit must be a whole number from 1 to 1000') });
      }
      for (const after of ['prov-1', 'oa-1', '1234', `${LAST_UUID}0`]) {
        const bad = await call('GET', `${path}${separator}after=${after}`);
        expect(bad.status).toBe(400);
        expect(bad.json.error.message).toContain('after must be the id (a UUID) of a row');
      }
    }
  });

  it('is for admins only, paging parameters or not', async () => {
    for (const path of ['/api/v1/llm-models?limit=1', '/api/v1/llm/providers?limit=1&after=00000000-0000-0000-0000-000000000000']) {
      expect((await call('GET', path, undefined, user)).status).toBe(403);
      expect((await call('GET', path, undefined, {})).status).toBe(401);
    }
  });
});
