import type { Resource } from '@kastra/api';
import { agent, decision, isRouterCall, llm, memberOf, resource, RouterTestEnvironment, type LlmCall, type LlmReply } from './test/router-test-environment';

/**
 * The router's scripted answers per task (the run's message): one per step, or one per attempt of
 * a step (its first call, then the corrective or repair turn); the last one repeats. Members
 * answer `<member> did: <input>`.
 */
const SCRIPTS: Record<string, Array<string | string[]>> = {
  'write a report': [decision('search', 'find sources'), decision('writer', 'write it up'), decision('search', 'check facts'), decision('done', '', 'finished', 'THE REPORT')],
  forever: [decision('search')],
  'unknown once': [[decision('editor'), decision('writer')], decision('done', '', 'ok', 'corrected')],
  'unknown twice': [[decision('editor'), decision('critic')]],
};

/** The step and attempt of a routing call, from its idempotency key `<uid>:route:<step>:<attempt>`. */
function stepOf(call: LlmCall): { step: number; attempt: number } {
  const [, , step, attempt] = (call.idempotencyKey ?? '').split(':');
  return { step: Number(step), attempt: Number(attempt) };
}

function answer(call: LlmCall): LlmReply {
  if (isRouterCall(call)) {
    const task = String(call.request.messages.find((m, i) => i > 0 && m.role === 'user')?.content);
    const script = SCRIPTS[task] ?? [decision('done', '', 'nothing to do', 'nothing')];
    const { step, attempt } = stepOf(call);
    const entry = script[Math.min(step - 1, script.length - 1)];
    return Array.isArray(entry) ? entry[Math.min(attempt - 1, entry.length - 1)] : entry;
  }
  return `${memberOf(call)} did: ${String(call.request.messages.at(-1)?.content)}`;
}

describe('network runs: the router model picks members until done (scripted model)', () => {
  let env: RouterTestEnvironment;

  beforeAll(async () => {
    env = await RouterTestEnvironment.create('nwruns');
    await env.apply(
      llm('fake'),
      agent('search'),
      agent('writer'),
      resource('Network', 'default', 'research', { instructions: 'Research, then write.', agents: [{ name: 'search' }, { name: 'writer', description: 'writes the text' }], router: { model: { ref: 'fake' }, maxSteps: 5 } }),
    );
    env.llm(answer);
    await env.startRouter();
  });

  afterAll(async () => {
    await env?.close();
  });

  it('follows the decisions the model returned, runs each member with its input, and answers the model\'s final answer', async () => {
    // Given a run of the research network
    const created = await env.createRun('report', { networkRef: 'research', message: 'write a report' });
    // When it ends
    const run = await env.waitForPhase('report', ['Succeeded', 'Failed', 'Cancelled']);
    // Then it succeeded with the model's answer and the scripted route
    expect(run.status).toMatchObject({
      phase: 'Succeeded',
      output: 'THE REPORT',
      steps: 3,
      network: 'default.research',
      route: [
        { step: 1, agent: 'search', reason: 'because search' },
        { step: 2, agent: 'writer', reason: 'because writer' },
        { step: 3, agent: 'search', reason: 'because search' },
      ],
      results: [
        { step: 1, member: 'search', output: 'search did: find sources' },
        { step: 2, member: 'writer', output: 'writer did: write it up' },
        { step: 3, member: 'search', output: 'search did: check facts' },
      ],
    });
    expect(run.status?.conditions).toEqual([expect.objectContaining({ type: 'Succeeded', status: 'True', reason: 'RunSucceeded' })]);
    // and its stream tells the story in the contract's events
    const events = await env.runEvents(run);
    expect(events.map((e) => e.type)).toEqual([
      'NetworkRunStarted',
      'RouteDecided',
      'MemberStarted',
      'MemberFinished',
      'RouteDecided',
      'MemberStarted',
      'MemberFinished',
      'RouteDecided',
      'MemberStarted',
      'MemberFinished',
      'RouteDecided',
      'NetworkRunSucceeded',
    ]);
    expect(events[0].data).toMatchObject({ network: 'default.research', message: 'write a report', threadId: created.metadata.uid, maxSteps: 5, members: [{ name: 'search', kind: 'agent' }, { name: 'writer', kind: 'agent' }] });
    expect(events[1].data).toEqual({ step: 1, next: 'search', input: 'find sources', reason: 'because search', answer: '' });
    expect(events[2].data).toMatchObject({ step: 1, member: 'search', memberKind: 'agent', input: 'find sources', attempt: 1 });
    expect(events[3].data).toEqual({ step: 1, member: 'search', output: 'search did: find sources' });
    expect(events[10].data).toMatchObject({ step: 4, next: 'done', answer: 'THE REPORT' });
    expect(events[11].data).toEqual({ output: 'THE REPORT', steps: 3 });
    // and every model call is the run's, billed to its creator, with keys from (run, step, attempt)
    const uid = run.metadata.uid!;
    const calls = env.callsOf(run);
    expect(calls.router.map((c) => c.idempotencyKey)).toEqual([1, 2, 3, 4].map((step) => `${uid}:route:${step}:1`));
    expect(calls.members.map((c) => c.idempotencyKey)).toEqual([1, 2, 3].map((step) => `${uid}:member:${step}:model:1`));
    expect(new Set(env.calls.filter((c) => c.runUid === uid).map((c) => c.user))).toEqual(new Set(['test']));
    // and the router was asked with the route schema, the members and the results so far
    const last = calls.router[3].request;
    expect(last.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'route', strict: true } });
    expect(String(last.messages[0].content)).toContain('- writer (agent): writes the text');
    expect(String(last.messages[0].content)).toContain('- search (agent): You are search.');
    expect(last.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['write a report', 'search did: find sources', 'writer did: write it up', 'search did: check facts']);
    // and its usage is the sum of the usage events naming it (7 calls), once they are all recorded
    const settled = await env.waitForPhase('report', ['Succeeded']).then(async () => {
      for (let i = 0; i < 40; i++) {
        const current = await env.store.get({ kind: 'NetworkRun', namespace: 'default', name: 'report' });
        if ((current?.status?.usage as { calls?: number })?.calls === 7) return current;
        await new Promise((r) => setTimeout(r, 100));
      }
      return env.store.get({ kind: 'NetworkRun', namespace: 'default', name: 'report' });
    });
    expect(settled?.status?.usage).toEqual({ calls: 7, promptTokens: 70, completionTokens: 35, totalTokens: 105, costUsd: 0.007 });
  });

  it('stops a router that never says done at maxSteps: Failed MaxStepsReached, the route and results kept', async () => {
    await env.createRun('forever', { networkRef: 'research', message: 'forever', maxSteps: 3 });
    const run = await env.waitForPhase('forever', ['Succeeded', 'Failed', 'Cancelled']);
    expect(run.status).toMatchObject({ phase: 'Failed', steps: 3, error: { reason: 'MaxStepsReached', step: 4 } });
    expect((run.status?.route as unknown[]).length).toBe(3);
    expect((run.status?.results as unknown[]).length).toBe(3);
    expect(run.status?.conditions).toEqual([expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'MaxStepsReached' })]);
    expect(env.callsOf(run).members).toHaveLength(3);
  });

  it('a run asking for more steps than the Network allows fails MaxStepsExceedsNetwork; an unknown network, or one of another namespace, NetworkNotFound', async () => {
    await env.createRun('greedy', { networkRef: 'research', message: 'write a report', maxSteps: 6 });
    await env.createRun('lost', { networkRef: 'nowhere', message: 'write a report' });
    await env.apply(resource('Network', 'team-n', 'theirs', { agents: [{ name: 'search', ref: 'default.search' }], router: { model: { ref: 'default.fake' } } }));
    await env.createRun('elsewhere', { networkRef: 'team-n.theirs', message: 'write a report' });
    const greedy = await env.waitForPhase('greedy', ['Succeeded', 'Failed']);
    const lost = await env.waitForPhase('lost', ['Succeeded', 'Failed']);
    expect(greedy.status).toMatchObject({ phase: 'Failed', error: { reason: 'MaxStepsExceedsNetwork' } });
    expect(lost.status).toMatchObject({ phase: 'Failed', error: { reason: 'NetworkNotFound', message: expect.stringContaining('default.nowhere') } });
    expect(env.callsOf(greedy).router).toHaveLength(0);
    // a Network of another namespace is not lent to whoever may create runs here
    const elsewhere = await env.waitForPhase('elsewhere', ['Succeeded', 'Failed']);
    expect(elsewhere.status).toMatchObject({ phase: 'Failed', error: { reason: 'NetworkNotFound', message: expect.stringContaining('its own namespace (default)') } });
    expect(env.callsOf(elsewhere).router).toHaveLength(0);
  });

  it('corrects an unknown member once; a second unknown member fails the run UnknownMember naming it', async () => {
    await env.createRun('unknown-once', { networkRef: 'research', message: 'unknown once' });
    await env.createRun('unknown-twice', { networkRef: 'research', message: 'unknown twice' });
    const once = await env.waitForPhase('unknown-once', ['Succeeded', 'Failed']);
    const twice = await env.waitForPhase('unknown-twice', ['Succeeded', 'Failed']);
    expect(once.status).toMatchObject({ phase: 'Succeeded', output: 'corrected', route: [{ step: 1, agent: 'writer' }] });
    const uid = once.metadata.uid!;
    expect(env.callsOf(once).router.map((c) => c.idempotencyKey)).toEqual([`${uid}:route:1:1`, `${uid}:route:1:2`, `${uid}:route:2:1`]);
    expect(String(env.callsOf(once).router[1].request.messages.at(-1)?.content)).toMatch(/no member named "editor"/);
    expect(twice.status).toMatchObject({ phase: 'Failed', steps: 0, error: { reason: 'UnknownMember', step: 1, message: expect.stringContaining('"critic"') } });
    expect(twice.status?.conditions).toEqual([expect.objectContaining({ reason: 'UnknownMember' })]);
  });
});
