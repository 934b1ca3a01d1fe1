import { createTestDatabase, deleteTestStreams, eventually, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import type { Redis } from 'ioredis';
import { RateLimiter } from '../src/limits/rate-limiter';
import { LIMITS_REDIS } from '../src/llm-calls.module';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

/** Assembled at runtime so that no literal in the repository looks like a provider key. */
const KEY = ['sk', 'test', 'user-model-limits', 'z'.repeat(8)].join('-');

interface ChatAnswer {
  status: number;
  body: { usage?: { total_tokens: number }; error?: { message: string } };
}

/** Windows are per minute: a test that straddles a minute boundary would read the next one. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
}

/**
 * The call path charges the user's limits and the primary model's in one Redis script call, a
 * fallback model's only when it is tried; these are the rules that must hold whatever the number
 * of round trips: as if the user were reserved first and the model second.
 */
describe('llm-proxy user and model limits together (Redis)', () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let resolver: StaticModelResolver;
  const replicas: TestProxy[] = [];
  const prefix = testNatsPrefix('llmusermodel');
  const home = testHome();

  const chat = async (replica: TestProxy, user: string, model: string, content: string): Promise<ChatAnswer> => {
    const response = await fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${home.token('user', user)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content }] }),
    });
    return { status: response.status, body: (await response.json()) as ChatAnswer['body'] };
  };
  const usage = (replica: TestProxy, scope: string, metric: 'rpm' | 'tpm') => replica.app.get(RateLimiter).currentUsage(scope, metric);
  const upstreamCalls = (content: RegExp) => upstream.requests.filter((r) => content.test((r.body as { messages: Array<{ content: string }> }).messages[0].content)).length;

  beforeAll(async () => {
    database = await createTestDatabase('llmusermodel');
    upstream = await startMockOpenAIServer();
    const model = (name: string, limits: { rpm?: number; tpm?: number }, fallbacks: string[] = []) => ({
      name,
      provider: 'openai' as const,
      modelId: 'gpt-4o-mini',
      baseUrl: upstream.baseUrl,
      keys: [{ keyId: `${name}-key`, apiKey: KEY }],
      limits,
      fallbacks,
    });
    resolver = new StaticModelResolver([
      model('roomy-model', { rpm: 100, tpm: 100_000 }),
      model('counted-model', { rpm: 100, tpm: 100_000 }),
      model('one-call-model', { rpm: 1 }),
      model('busy-model', { rpm: 1 }, ['spare-model']),
      model('spare-model', { rpm: 10, tpm: 100_000 }),
      model('shared-model', { rpm: 5 }),
    ]);
    // Three replicas of the call path on one Redis; every user without limits of their own gets 8 requests and 100 000 tokens a minute
    for (let i = 0; i < 3; i++) {
      replicas.push(await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver, settings: { userRpm: 8, userTpm: 100_000 } }));
    }
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  beforeEach(awayFromMinuteBoundary);

  it('refuses a call on the user limit without charging the model anything', async () => {
    // Given ivy's 8 requests of the minute used
    for (let i = 0; i < 8; i++) expect((await chat(replicas[i % 3], 'ivy', 'roomy-model', `ivy${i}`)).status).toBe(200);
    // When she calls again
    const refused = await chat(replicas[0], 'ivy', 'roomy-model', 'ivy-over');
    // Then her own limit refused it, before any upstream call
    expect(refused.status).toBe(429);
    expect(refused.body.error?.message).toContain('your RPM limit of 8');
    expect(upstreamCalls(/^ivy-over$/)).toBe(0);
    // And the model was charged the 8 calls that went through, not the refused one
    expect(await usage(replicas[0], 'model:roomy-model', 'rpm')).toBe(8);
    expect(await usage(replicas[0], 'user:ivy', 'rpm')).toBe(8);
  });

  it('refused by the model limit (no fallback), the user gets the tokens reserved back and the request counts as before', async () => {
    // Given the one-call model's request of the minute taken by jay
    const first = await chat(replicas[0], 'jay', 'one-call-model', 'jay0');
    expect(first.status).toBe(200);
    // When jay calls it again on another replica
    const refused = await chat(replicas[1], 'jay', 'one-call-model', 'jay1');
    // Then the model's limit refused it
    expect(refused.status).toBe(429);
    expect(refused.body.error?.message).toContain("the model one-call-model's RPM limit of 1");
    expect(upstreamCalls(/^jay1$/)).toBe(0);
    // And jay's token window holds only what the first call used: the refused call's reservation was given back
    await eventually(async () => (await usage(replicas[0], 'user:jay', 'tpm')) === first.body.usage!.total_tokens, 5000, 20);
    // And his RPM counts both requests, the model's only the one it served
    expect(await usage(replicas[0], 'user:jay', 'rpm')).toBe(2);
    expect(await usage(replicas[0], 'model:one-call-model', 'rpm')).toBe(1);
  });

  it('refused by the model limit with a fallback, the fallback alone is charged next and the user once', async () => {
    // Given the busy model's request of the minute taken by kim
    const first = await chat(replicas[0], 'kim', 'busy-model', 'kim0');
    expect(first.status).toBe(200);
    // When kim calls it again
    const second = await chat(replicas[2], 'kim', 'busy-model', 'kim1');
    // Then the spare model answered it
    expect(second.status).toBe(200);
    expect(upstreamCalls(/^kim1$/)).toBe(1);
    // And each model was charged its own call, the user both calls, with the tokens they used
    expect(await usage(replicas[0], 'model:busy-model', 'rpm')).toBe(1);
    expect(await usage(replicas[0], 'model:spare-model', 'rpm')).toBe(1);
    expect(await usage(replicas[0], 'user:kim', 'rpm')).toBe(2);
    await eventually(async () => (await usage(replicas[0], 'model:spare-model', 'tpm')) === second.body.usage!.total_tokens, 5000, 20);
    await eventually(async () => (await usage(replicas[0], 'user:kim', 'tpm')) === first.body.usage!.total_tokens + second.body.usage!.total_tokens, 5000, 20);
  });

  it('charges the user and the model in one Redis command before the call and settles both in one after it', async () => {
    // Given the commands a replica sends to Redis, counted
    const redis = replicas[1].app.get<Redis>(LIMITS_REDIS);
    const original = redis.sendCommand.bind(redis);
    const sent: string[] = [];
    redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
      sent.push(args[0].name);
      return original(...args);
    }) as Redis['sendCommand'];
    try {
      // When mia calls a model with RPM and TPM limits (she has both too)
      const answer = await chat(replicas[1], 'mia', 'counted-model', 'mia0');
      expect(answer.status).toBe(200);
      // Then the replica sent two commands: the reservation of her charges and the model's, and their settlement
      await eventually(async () => (await usage(replicas[0], 'user:mia', 'tpm')) === answer.body.usage!.total_tokens, 5000, 20);
      expect(sent).toEqual(['evalsha', 'evalsha']);
      expect(await usage(replicas[0], 'model:counted-model', 'tpm')).toBe(answer.body.usage!.total_tokens);
    } finally {
      redis.sendCommand = original;
    }
  });

  it('never lets concurrent calls on three replicas exceed the user limit or the model limit', async () => {
    // When lee (8 requests a minute) sends 12 calls of the shared model (5 a minute) at once, spread over the replicas
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(replicas[i % 3], 'lee', 'shared-model', `lee${i}`)));
    // Then exactly 5 went upstream; of the 8 the user limit let through, the model limit refused 3, and the user limit the other 4
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    expect(upstreamCalls(/^lee\d+$/)).toBe(5);
    expect(answers.filter((a) => a.status === 429 && a.body.error?.message.includes("the model shared-model's RPM limit"))).toHaveLength(3);
    expect(answers.filter((a) => a.status === 429 && a.body.error?.message.includes('your RPM limit of 8'))).toHaveLength(4);
    // And the windows hold exactly that: 8 for lee, 5 for the model
    expect(await usage(replicas[0], 'user:lee', 'rpm')).toBe(8);
    expect(await usage(replicas[0], 'model:shared-model', 'rpm')).toBe(5);
  });
});
