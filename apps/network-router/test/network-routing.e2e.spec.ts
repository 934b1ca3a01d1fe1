import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { NatsLlmClient } from '@kastra/agent-runtime';
import { migrate, readStream } from '@kastra/event-store';
import { createResourceStore } from '@kastra/resource-store';
import { SecretCipher } from '@kastra/secrets';
import { createTestDatabase, deleteTestStreams, eventually, freePort, startServiceProcess, TEST_NATS_URL, testNatsPrefix, type ServiceProcess, type TestDatabase } from '@kastra/testing';
import { ScriptedRouterUpstream } from './scripted-router-upstream';

const ctx = { actor: 'user:test' };
const decision = (next: string, answer = '') => JSON.stringify({ next, input: next === 'done' ? '' : `over to ${next}`, reason: `chose ${next}`, answer });

/** The router's script per task: the decisions it returns, judged from the conversation it is sent. */
function route(messages: Array<{ role: string; content: unknown }>): string {
  const task = String(messages.find((m) => m.role === 'user')?.content ?? '');
  const decided = messages.filter((m) => m.role === 'assistant').length;
  const correcting = /no member named/.test(String(messages.at(-1)?.content ?? ''));
  switch (task) {
    case 'follow the script':
      return [decision('writer'), decision('researcher'), decision('done', 'THE FINAL ANSWER')][Math.min(decided, 2)];
    case 'never done':
      return decision('researcher');
    case 'unknown once':
      // Step 1 names a member that does not exist; corrected, it picks the writer, then is done.
      if (decided === 0) return decision('editor');
      if (correcting) return decision('writer');
      return decision('done', 'corrected and done');
    default:
      return decision('done', 'nothing to do');
  }
}

describe('network runs from dist/ through a real llm-proxy and a scripted OpenAI-compatible upstream', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: Awaited<ReturnType<typeof createResourceStore>>;
  let prefix: string;
  let home: string;
  let nc: NatsConnection;
  let upstream: ScriptedRouterUpstream;
  const services: ServiceProcess[] = [];

  const runToEnd = async (name: string, spec: Record<string, unknown>): Promise<Resource> => {
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'NetworkRun', metadata: { name, namespace: 'default' }, spec: { networkRef: 'research', ...spec } }, ctx);
    return eventually(async () => {
      const run = await store.get({ kind: 'NetworkRun', namespace: 'default', name });
      return ['Succeeded', 'Failed', 'Cancelled'].includes(String(run?.status?.phase)) ? run : undefined;
    }, 30_000, 100);
  };

  beforeAll(async () => {
    db = await createTestDatabase('nwroute');
    pool = db.pool({ max: 5 });
    await migrate(pool);
    home = mkdtempSync(path.join(tmpdir(), 'kastra-nwroute-'));
    store = await createResourceStore({ pool, databaseUrl: db.url, cipher: new SecretCipher(randomBytes(32)) });
    prefix = testNatsPrefix('nwroute');
    nc = await connect({ servers: TEST_NATS_URL });
    upstream = await ScriptedRouterUpstream.start(() => 10, route);
    await store.create({ apiVersion: API_GROUP_VERSION, kind: 'LLM', metadata: { name: 'scripted', namespace: 'default' }, spec: { provider: 'openai-compatible', model: 'scripted-1', options: { baseURL: upstream.baseUrl } } }, ctx);
    for (const name of ['researcher', 'writer']) {
      await store.create({ apiVersion: API_GROUP_VERSION, kind: 'Agent', metadata: { name, namespace: 'default' }, spec: { instructions: `You are ${name}.`, model: { ref: 'scripted' } } }, ctx);
    }
    await store.create(
      { apiVersion: API_GROUP_VERSION, kind: 'Network', metadata: { name: 'research', namespace: 'default' }, spec: { agents: [{ name: 'researcher' }, { name: 'writer' }], router: { model: { ref: 'scripted' }, maxSteps: 4 } } },
      ctx,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn', KASTRA_EGRESS_ALLOW: `127.0.0.1:${upstream.port}` };
    services.push(...(await Promise.all([startServiceProcess('llm-proxy', await freePort(), env), startServiceProcess('network-router', await freePort(), env)])));
    const llm = new NatsLlmClient({ nc, prefix, timeoutMs: 5000 });
    await eventually(async () => (await llm.chat({ model: 'default.scripted', messages: [{ role: 'user', content: 'ping' }] }, { user: 'e2e' }).then(() => true).catch(() => false)) || undefined, 30_000, 250);
  }, 90_000);

  afterAll(async () => {
    for (const service of services) await service.stop().catch(() => undefined);
    await nc?.close();
    await upstream?.close();
    await store?.close();
    await db?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the route follows exactly the decisions the model returned and the answer is the model\'s', async () => {
    const run = await runToEnd('scripted', { message: 'follow the script' });
    expect(run.status).toMatchObject({
      phase: 'Succeeded',
      output: 'THE FINAL ANSWER',
      route: [
        { step: 1, agent: 'writer', reason: 'chose writer' },
        { step: 2, agent: 'researcher', reason: 'chose researcher' },
      ],
      results: [
        { step: 1, member: 'writer', output: 'writer did: over to writer' },
        { step: 2, member: 'researcher', output: 'researcher did: over to researcher' },
      ],
    });
    expect(run.status?.conditions).toEqual([expect.objectContaining({ type: 'Succeeded', status: 'True' })]);
    // the upstream got each call once, under the run's keys (the proxy passes Idempotency-Key on)
    const uid = run.metadata.uid!;
    expect(upstream.callsOf(uid).map((call) => call.key.slice(uid.length + 1))).toEqual(['route:1:1', 'member:1:model:1', 'route:2:1', 'member:2:model:1', 'route:3:1']);
    // and the run's usage is what the llm-proxy recorded for it (5 calls of 15 tokens), once settled
    const usage = await eventually(async () => {
      const current = (await store.get({ kind: 'NetworkRun', namespace: 'default', name: 'scripted' }))?.status?.usage as { calls?: number } | undefined;
      return current?.calls === 5 ? current : undefined;
    }, 10_000, 200);
    expect(usage).toMatchObject({ calls: 5, promptTokens: 50, completionTokens: 25, totalTokens: 75 });
  });

  it('maxSteps stops a router that never says done: Failed MaxStepsReached, route and results kept', async () => {
    const run = await runToEnd('endless', { message: 'never done', maxSteps: 2 });
    expect(run.status).toMatchObject({ phase: 'Failed', steps: 2, error: { reason: 'MaxStepsReached', step: 3 } });
    expect((run.status?.route as Array<{ agent: string }>).map((r) => r.agent)).toEqual(['researcher', 'researcher']);
    expect(run.status?.results).toHaveLength(2);
    expect(run.status?.conditions).toEqual([expect.objectContaining({ status: 'False', reason: 'MaxStepsReached' })]);
  });

  it('an unknown member is corrected once, and the run goes on with the corrected decision', async () => {
    const run = await runToEnd('corrected', { message: 'unknown once' });
    expect(run.status).toMatchObject({ phase: 'Succeeded', output: 'corrected and done', route: [{ step: 1, agent: 'writer' }] });
    const uid = run.metadata.uid!;
    expect(upstream.callsOf(`${uid}:route:`).map((call) => call.key.slice(uid.length + 1))).toEqual(['route:1:1', 'route:1:2', 'route:2:1']);
    const events = await readStream(pool, `networkrun:default:corrected:${uid}`);
    expect(events.filter((e) => e.type === 'RouteDecided').map((e) => e.data.next)).toEqual(['writer', 'done']);
  });
});
