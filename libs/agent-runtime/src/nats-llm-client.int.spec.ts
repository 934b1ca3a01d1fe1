import { connect, type NatsConnection } from '@nats-io/transport-node';
import { TEST_NATS_URL, testNatsPrefix } from '@kastra/testing';
import { LlmCallError } from './llm-client';
import { NatsLlmClient } from './nats-llm-client';
import { completion } from './testing-fakes';

describe('NatsLlmClient', () => {
  let nc: NatsConnection;
  let prefix: string;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
  });
  afterAll(() => nc.close());
  beforeEach(() => (prefix = testNatsPrefix('llm')));

  /** A fake llm-proxy: answers `<prefix>.llm.chat` per the contract. */
  function respond(answer: (body: { request: { model: string; stream?: boolean }; user: string }, traceparent: string | undefined) => unknown | undefined) {
    const sub = nc.subscribe(`${prefix}.llm.chat`, { queue: 'llm-proxy' });
    void (async () => {
      for await (const msg of sub) {
        const reply = answer(msg.json(), msg.headers?.get('traceparent') || undefined);
        if (reply !== undefined) msg.respond(JSON.stringify(reply));
      }
    })();
    return sub;
  }

  it('sends the request and user, and returns the completion', async () => {
    const seen: unknown[] = [];
    const sub = respond((body) => {
      seen.push(body);
      return { ok: true, completion: completion({ text: `hello from ${body.request.model}` }) };
    });
    try {
      const client = new NatsLlmClient({ nc, prefix });
      const answer = await client.chat({ model: 'default.mock', messages: [{ role: 'user', content: 'hi' }] }, { user: 'ann' });
      expect(answer.choices[0].message.content).toBe('hello from default.mock');
      expect(seen).toEqual([{ request: { model: 'default.mock', messages: [{ role: 'user', content: 'hi' }], stream: false }, user: 'ann' }]);
    } finally {
      sub.unsubscribe();
    }
  });

  it("sends the call's idempotency key and run uid when it has them", async () => {
    // Given a proxy that records what it is sent
    const seen: unknown[] = [];
    const sub = respond((body) => {
      seen.push(body);
      return { ok: true, completion: completion({ text: 'ok' }) };
    });
    try {
      // When a call names its key and run
      await new NatsLlmClient({ nc, prefix }).chat({ model: 'm', messages: [] }, { user: 'ann', idempotencyKey: 'uid-1:router:2:1', runUid: 'uid-1' });
      // Then both travel with the request
      expect(seen).toEqual([expect.objectContaining({ user: 'ann', idempotencyKey: 'uid-1:router:2:1', runUid: 'uid-1' })]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('turns a contract error reply into LlmCallError with its status and type', async () => {
    const sub = respond(() => ({ ok: false, error: { status: 429, type: 'rate_limit', message: 'slow down' } }));
    try {
      const failure = await new NatsLlmClient({ nc, prefix }).chat({ model: 'm', messages: [] }, { user: 'u' }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(LlmCallError);
      expect(failure).toMatchObject({ status: 429, type: 'rate_limit', message: 'slow down' });
    } finally {
      sub.unsubscribe();
    }
  });

  it('fails with 503 when no proxy listens, 504 on a timeout, and cancelled on abort', async () => {
    const client = new NatsLlmClient({ nc, prefix, timeoutMs: 300 });
    await expect(client.chat({ model: 'm', messages: [] }, { user: 'u' })).rejects.toMatchObject({ status: 503, type: 'unavailable' });

    const sub = respond(() => undefined); // listens, never answers
    try {
      await expect(client.chat({ model: 'm', messages: [] }, { user: 'u' })).rejects.toMatchObject({ status: 504, type: 'timeout' });
      const controller = new AbortController();
      const call = new NatsLlmClient({ nc, prefix, timeoutMs: 5000 }).chat({ model: 'm', messages: [] }, { user: 'u', signal: controller.signal });
      controller.abort();
      await expect(call).rejects.toMatchObject({ type: 'cancelled' });
    } finally {
      sub.unsubscribe();
    }
  });

  it('rejects a reply that does not follow the contract', async () => {
    const sub = respond(() => ({ hello: 'world' }));
    try {
      await expect(new NatsLlmClient({ nc, prefix }).chat({ model: 'm', messages: [] }, { user: 'u' })).rejects.toMatchObject({ status: 502, type: 'malformed' });
    } finally {
      sub.unsubscribe();
    }
  });
});
