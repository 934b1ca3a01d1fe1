import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import type { Pool } from 'pg';
import { generateDevelopmentCertificate } from '@kastra/auth';
import { migrate } from '@kastra/event-store';
import { CONTINUE_TOKEN_TTL_MS, createResourceStore, decodeContinueToken, encodeContinueToken } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { ResourceServiceTestClient } from './test/resource-service-test-client';
import { grantClusterRole, startGrpcGateway, userToken } from './test/start-grpc-gateway';

const llm = (namespace: string, name: string, tier: string) =>
  JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name, namespace, labels: { tier } }, spec: { provider: 'mock', model: 'm' } });

/**
 * ResourceService List paged with `limit` and `continue` as the REST list is (the same store
 * paging, the same tokens, the same errors), over Postgres and TLS, through a real grpc-js client.
 */
describe('gRPC List paging over the Postgres resource store (TLS)', () => {
  let database: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let app: INestApplicationContext;
  let client: ResourceServiceTestClient;
  const names = ['a1', 'a2', 'a3', 'a4', 'a5'];

  beforeAll(async () => {
    database = await createTestDatabase('grpcpage');
    pool = database.pool({ max: 4 });
    await migrate(pool);
    store = await createResourceStore({ pool, databaseUrl: database.url, cipher: new SecretCipher(randomBytes(32)) });
    const tls = generateDevelopmentCertificate();
    const started = await startGrpcGateway(store, { tls });
    app = started.app;
    await grantClusterRole(app, store, 'alice', 'edit');
    client = new ResourceServiceTestClient(started.address, userToken, { ca: tls.ca });
    // 5 LLMs in `paged` (a1, a3, a5 basic; a2, a4 premium), one in `other`
    for (const [index, name] of names.entries()) await client.apply(llm('paged', name, index % 2 === 0 ? 'basic' : 'premium'));
    await client.apply(llm('other', 'b1', 'basic'));
  });

  afterAll(async () => {
    client?.close();
    await app?.close();
    await store?.close();
    await database?.drop();
  });

  it('serves 5 objects in 3 pages of limit 2, each once, every page at the first page resourceVersion, the rest counted', async () => {
    // When listing `paged` 2 at a time, following `continue`
    const first = await client.list({ kind: 'llms', namespace: 'paged', limit: 2 });
    const second = await client.list({ kind: 'llms', namespace: 'paged', limit: 2, continue: first.continue });
    // A write between pages does not move the list (its pages stay at the first page's position)
    await client.apply(llm('paged', 'a0-late', 'basic'));
    const third = await client.list({ kind: 'llms', namespace: 'paged', limit: 2, continue: second.continue });
    // Then the pages hold 2, 2 and 1 items, all 5 exactly once
    const pages = [first, second, third].map((page) => page.items.map((item) => item.metadata.name));
    expect(pages).toEqual([['a1', 'a2'], ['a3', 'a4'], ['a5']]);
    // And the tokens, the counts of what is left, and one resourceVersion for the whole list
    expect([first.continue, second.continue].every((token) => token.length > 0)).toBe(true);
    expect(third.continue).toBe('');
    expect([first.remainingItemCount, second.remainingItemCount, third.remainingItemCount]).toEqual([3, 1, undefined]);
    expect(new Set([first.resourceVersion, second.resourceVersion, third.resourceVersion]).size).toBe(1);
    // And limit 0 (or negative) is the whole list, in one page
    for (const limit of [0, -1]) {
      const whole = await client.list({ kind: 'llms', namespace: 'paged', limit });
      expect([whole.items.length, whole.continue, whole.remainingItemCount]).toEqual([6, '', undefined]);
    }
    await client.delete('LLM', 'a0-late', { namespace: 'paged' });
  });

  it('pages after the selectors, without remaining_item_count', async () => {
    const basic = await client.list({ kind: 'LLM', namespace: 'paged', label_selector: 'tier=basic', limit: 2 });
    const rest = await client.list({ kind: 'LLM', namespace: 'paged', label_selector: 'tier=basic', limit: 2, continue: basic.continue });
    expect([basic.items, rest.items].map((items) => items.map((item) => item.metadata.name))).toEqual([['a1', 'a3'], ['a5']]);
    expect(basic.continue).not.toBe('');
    expect(basic.remainingItemCount).toBeUndefined();
  });

  it('answers a malformed token or one of another list with INVALID_ARGUMENT, and an expired one with OUT_OF_RANGE', async () => {
    const { continue: token } = await client.list({ kind: 'llms', namespace: 'paged', limit: 2 });
    for (const [kind, namespace, bad] of [
      ['llms', 'paged', 'not-a-token'],
      ['llms', 'paged', Buffer.from('{"v":1}').toString('base64url')],
      ['llms', 'other', token],
      ['agents', 'paged', token],
    ]) {
      await expect(client.list({ kind, namespace, limit: 2, continue: bad })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('continue key is not valid'),
      });
    }
    // The same token, issued longer ago than the TTL: the code REST's 410 Expired maps to
    const continuation = decodeContinueToken(token, { kind: 'LLM', scope: 'paged' });
    const old = encodeContinueToken({ ...continuation, issuedAt: Date.now() - CONTINUE_TOKEN_TTL_MS - 1000 });
    await expect(client.list({ kind: 'llms', namespace: 'paged', limit: 2, continue: old })).rejects.toMatchObject({
      code: status.OUT_OF_RANGE,
      details: expect.stringContaining('too old'),
    });
  });
});
