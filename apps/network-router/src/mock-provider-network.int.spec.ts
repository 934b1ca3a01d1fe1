import { MockAdapter, type ProviderCall } from '@kastra/llm';
import { resource, RouterTestEnvironment } from './test/router-test-environment';

/**
 * The offline path examples take: router and members on the `mock` provider (libs/llm's
 * MockAdapter answering as the llm-proxy would). Its router mode must understand the router's
 * requests: each member once, in order, then done with the last result.
 */
describe('a network on the mock provider', () => {
  let env: RouterTestEnvironment;

  beforeAll(async () => {
    env = await RouterTestEnvironment.create('nwmock');
    const members = ['search', 'analysis', 'summary'];
    await env.apply(
      ...members.map((name) => resource('Agent', 'default', name, { instructions: `You are ${name}.`, model: { provider: 'mock', name: 'mock-model' } })),
      resource('Network', 'default', 'research', { agents: members.map((name) => ({ name })), router: { model: { provider: 'mock', name: 'mock-router' } }, state: { persistence: false } }),
    );
    const mock = new MockAdapter();
    env.llm(async (call) => ({ completion: (await mock.chat(call.request, { signal: new AbortController().signal } as ProviderCall)).completion }));
    await env.startRouter();
  });

  afterAll(async () => {
    await env?.close();
  });

  it('runs each member once in order, then answers with the last result', async () => {
    await env.createRun('mocked', { networkRef: 'research', message: 'Research heat pumps' });
    const run = await env.waitForPhase('mocked', ['Succeeded', 'Failed']);
    expect(run.status).toMatchObject({ phase: 'Succeeded', steps: 3, route: [{ agent: 'search' }, { agent: 'analysis' }, { agent: 'summary' }] });
    const results = run.status?.results as Array<{ member: string; output: string }>;
    expect(results.map((r) => r.member)).toEqual(['search', 'analysis', 'summary']);
    expect(run.status?.output).toBe(results[2].output);
    // the members read the network state first (their only tools), as the mock's members do
    const members = env.callsOf(run).members;
    expect(members.some((call) => call.request.messages.some((m) => m.role === 'tool'))).toBe(true);
  });
});
