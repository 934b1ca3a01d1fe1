import { randomBytes } from 'node:crypto';
import { metricsRegistry } from '@kastra/telemetry';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy';
import { testHome } from './test-proxy';

/** The distinct `model` label values of llm_requests_total, with their request counts. */
async function requestsByModelLabel(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await metricsRegistry.getSingleMetricAsString('llm_requests_total')).split('\n')) {
    const model = /^llm_requests_total\{[^}]*model="([^"]*)"/.exec(line)?.[1];
    if (model !== undefined) counts.set(model, (counts.get(model) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/**
 * /metrics cannot grow with the model names callers make up: only models the registry knows
 * (its rows, the shipped catalogue) are `model` label values; every other name is `other`.
 */
describe('llm-proxy metric labels', () => {
  let database: TestDatabase;
  let proxy: RegistryProxy;
  const prefix = testNatsPrefix('llmlabels');
  const home = testHome();

  const chat = (model: string) =>
    fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${home.token('user')}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  beforeAll(async () => {
    database = await createTestDatabase('llmlabels');
    proxy = await startRegistryProxy({ databaseUrl: database.url, prefix, home: home.home, env: {} });
    // A model an admin registered (the mock provider needs no key)
    const created = await fetch(`${proxy.url}/api/v1/llm-models`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${home.token('admin')}` },
      body: JSON.stringify({ name: 'team-model', model_id: 'team-model', provider: 'mock', type: 'chat' }),
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
    await deleteTestStreams(prefix).catch(() => undefined);
    home.remove();
  });

  it('keeps the series count flat under 1,000 made-up model names, and labels registered models by name', async () => {
    // Given calls to the registered model, a catalogue model and ten made-up names
    expect((await chat('team-model')).status).toBe(200);
    expect((await chat('mock/mock-chat')).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await chat(`mock/${randomBytes(6).toString('hex')}`)).status).toBe(200);
    const seriesBefore = (await requestsByModelLabel()).size;
    const sizeBefore = (await metricsRegistry.metrics()).length;
    // When 1,000 more made-up names are called
    for (let batch = 0; batch < 50; batch++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => chat(`mock/${randomBytes(6).toString('hex')}`)));
      for (const answer of answers) expect(answer.status).toBe(200);
    }
    // Then no series was added: the made-up names all count under "other"
    const after = await requestsByModelLabel();
    expect(after.size).toBe(seriesBefore);
    expect([...after.keys()].sort()).toEqual(['mock/mock-chat', 'other', 'team-model']);
    expect(after.get('other')).toBe(1010);
    expect(after.get('team-model')).toBe(1);
    // And /metrics stayed the size it was (values grow a few digits, series do not)
    expect((await metricsRegistry.metrics()).length).toBeLessThan(sizeBefore + 2000);
  });
});
