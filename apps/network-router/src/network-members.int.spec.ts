import { NatsLlmClient, type ToolSource } from '@kastra/agent-runtime';
import { API_GROUP_VERSION } from '@kastra/api';
import { runCreator } from '@kastra/run-engine';
import { eventually } from '@kastra/testing';
// The workflow-executor runs the child WorkflowRuns of workflow members, as it does in a cluster.
import { AgentRuntimeInvoker } from '../../workflow-executor/src/agent-runtime-invoker';
import { WorkflowExecutor } from '../../workflow-executor/src/workflow-executor';
import { agent, decision, isRouterCall, llm, memberOf, resource, RouterTestEnvironment, userCtx, type LlmCall, type LlmReply } from './test/router-test-environment';

/** Router answers per task, one per step or one per attempt of a step; the last repeats. */
const SCRIPTS: Record<string, Array<string | string[]>> = {
  'prompt-only': [['I would ask search first.', decision('search', 'look')], decision('done', '', 'ok', 'answered in prompt mode')],
  'use the workflow': [decision('shout', 'hello network'), decision('done', '', 'ok', 'shouted')],
  'share a draft': [decision('drafter', 'draft it'), decision('reviewer', 'review the draft'), decision('done', '', 'ok', 'reviewed')],
  'be slow': [decision('slow', 'take your time'), decision('done', '', 'ok', 'never')],
  'first question': [decision('done', '', 'easy', 'ANSWER ONE')],
  'second question': [decision('done', '', 'easy', 'ANSWER TWO')],
};

function stepOf(call: LlmCall): { step: number; attempt: number } {
  const [, , step, attempt] = (call.idempotencyKey ?? '').split(':');
  return { step: Number(step), attempt: Number(attempt) };
}

/** The run's task: the first user message not answered by a `done` decision (earlier turns of the thread are). */
function taskOf(call: LlmCall): string {
  const messages = call.request.messages;
  const index = messages.findIndex((m, i) => m.role === 'user' && !String(messages[i + 1]?.content ?? '').includes('"next":"done"'));
  return String(messages[index]?.content);
}

function answer(call: LlmCall): LlmReply {
  if (isRouterCall(call)) {
    const script = SCRIPTS[taskOf(call)] ?? [decision('done', '', 'nothing', 'nothing')];
    const { step, attempt } = stepOf(call);
    const entry = script[Math.min(step - 1, script.length - 1)];
    return Array.isArray(entry) ? entry[Math.min(attempt - 1, entry.length - 1)] : entry;
  }
  const member = memberOf(call);
  const last = call.request.messages.at(-1);
  if (member === 'drafter') return last?.role === 'tool' ? 'drafted' : { toolCalls: [{ name: 'network-state-set', arguments: { key: 'draft', value: 'a first draft' } }] };
  if (member === 'reviewer') return last?.role === 'tool' ? `reviewer read ${String(last.content)}` : { toolCalls: [{ name: 'network-state-get', arguments: { key: 'draft' } }] };
  return `${member} did: ${String(last?.content)}`;
}

describe('network members: workflows as child runs, shared state, cancel, threads, prompt-only routers', () => {
  let env: RouterTestEnvironment;
  let executor: WorkflowExecutor;

  beforeAll(async () => {
    env = await RouterTestEnvironment.create('nwmembers');
    await env.apply(
      llm('fake'),
      agent('search'),
      agent('drafter'),
      agent('reviewer'),
      agent('slow'),
      resource('Tool', 'default', 'upper', { description: 'upper-cases', script: { code: 'return String(input).toUpperCase()', timeoutMs: 2000 } }),
      resource('Workflow', 'default', 'shout', { steps: [{ id: 'upper', tool: 'upper' }] }),
      resource('Network', 'default', 'prompted', { agents: [{ name: 'search' }], router: { model: { provider: 'anthropic', name: 'claude-sonnet-4-5' } } }),
      resource('Network', 'default', 'mixed', { agents: [{ name: 'search' }], workflows: [{ name: 'shout', description: 'shouts its input' }], router: { model: { ref: 'fake' } } }),
      resource('Network', 'default', 'notes', { agents: [{ name: 'drafter' }, { name: 'reviewer' }], router: { model: { ref: 'fake' } }, state: { persistence: true } }),
      resource('Network', 'default', 'waiting', { agents: [{ name: 'slow' }], router: { model: { ref: 'fake' } } }),
      resource('Network', 'default', 'chat', { agents: [{ name: 'search' }], router: { model: { ref: 'fake' } } }),
    );
    // The slow member answers after 15 s: long enough to be cancelled in flight.
    env.llm(answer, (call) => (memberOf(call) === 'slow' ? 15_000 : 0));
    await env.startRouter();
    const invoker = new AgentRuntimeInvoker({ store: env.store as unknown as ToolSource, llm: new NatsLlmClient({ nc: env.nc, prefix: env.prefix }) });
    executor = new WorkflowExecutor({ store: env.store, pool: env.pool, nc: env.nc, prefix: env.prefix, invoker, ackWaitMs: 3000 });
    await executor.start();
  });

  afterAll(async () => {
    await executor?.stop();
    await env?.close();
  });

  it('a prompt-only provider gets the schema in the system prompt and one repair turn for an answer that is not JSON', async () => {
    await env.createRun('prompted', { networkRef: 'prompted', message: 'prompt-only' });
    const run = await env.waitForPhase('prompted', ['Succeeded', 'Failed']);
    expect(run.status).toMatchObject({ phase: 'Succeeded', output: 'answered in prompt mode', route: [{ step: 1, agent: 'search' }] });
    const router = env.callsOf(run).router;
    expect(router.map((c) => c.idempotencyKey?.split(':').slice(1).join(':'))).toEqual(['route:1:1', 'route:1:2', 'route:2:1']);
    expect(router[0].request.response_format).toBeUndefined();
    expect(router[0].request.model).toBe('anthropic/claude-sonnet-4-5');
    expect(String(router[0].request.messages[0].content)).toContain('"next":{"type":"string","enum":["search","done"]');
    expect(router[1].request.messages.at(-2)).toEqual({ role: 'assistant', content: 'I would ask search first.' });
  });

  it('runs a workflow member as a child WorkflowRun of the run, acting as the run\'s creator; its end wakes the run', async () => {
    await env.createRun('wfnet', { networkRef: 'mixed', message: 'use the workflow' });
    const run = await env.waitForPhase('wfnet', ['Succeeded', 'Failed'], 30_000);
    expect(run.status).toMatchObject({ phase: 'Succeeded', output: 'shouted', route: [{ step: 1, agent: 'shout' }], results: [{ step: 1, member: 'shout', output: 'HELLO NETWORK' }] });
    const events = await env.runEvents(run);
    expect(events.find((e) => e.type === 'MemberStarted')?.data).toMatchObject({ step: 1, member: 'shout', memberKind: 'workflow', input: 'hello network', childRun: 'wfnet-step-1' });
    const child = await env.store.get({ kind: 'WorkflowRun', namespace: 'default', name: 'wfnet-step-1' });
    expect(child?.metadata.ownerReferences).toEqual([{ apiVersion: API_GROUP_VERSION, kind: 'NetworkRun', name: 'wfnet', uid: run.metadata.uid, controller: true }]);
    expect(child?.status?.phase).toBe('Succeeded');
    expect(await runCreator(env.pool, child!)).toBe('user:test');
  });

  it('state set by one member is read by the next and shown to the router', async () => {
    await env.createRun('draft', { networkRef: 'notes', message: 'share a draft', threadId: 'notes-1' });
    const run = await env.waitForPhase('draft', ['Succeeded', 'Failed']);
    expect(run.status).toMatchObject({
      phase: 'Succeeded',
      results: [
        { step: 1, member: 'drafter', output: 'drafted' },
        { step: 2, member: 'reviewer', output: expect.stringContaining('a first draft') },
      ],
    });
    // the router saw the state from the step after it was written
    const router = env.callsOf(run).router;
    expect(String(router[0].request.messages[0].content)).toContain('Network state (shared by the members, JSON):\n(empty)');
    expect(String(router[1].request.messages[0].content)).toContain('"draft": "a first draft"');
    // the members were given the state tools
    const drafterCall = env.callsOf(run).members[0];
    expect(drafterCall.request.tools?.map((t) => t.function.name).sort()).toEqual(['network-state-get', 'network-state-set']);
    // and the persistent state is the thread's, in the log
    const state = env.states.open({ namespace: 'default', network: 'notes', thread: 'notes-1', persistence: true });
    expect(await state.getAll()).toEqual({ draft: 'a first draft' });
  });

  it('cancel (spec.cancel) aborts the member in flight: the run ends Cancelled at once, the member\'s turn unrecorded', async () => {
    const created = await env.createRun('slow', { networkRef: 'waiting', message: 'be slow' });
    await eventually(async () => (await env.runEvents(created)).some((e) => e.type === 'MemberStarted'), 10_000, 50);
    const asked = Date.now();
    await env.store.patch({ kind: 'NetworkRun', namespace: 'default', name: 'slow' }, (current) => ({ ...current!, spec: { ...(current!.spec ?? {}), cancel: true } }), userCtx);
    const run = await env.waitForPhase('slow', ['Succeeded', 'Failed', 'Cancelled'], 10_000);
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(run.status).toMatchObject({ phase: 'Cancelled', error: { reason: 'Cancelled' } });
    expect(run.status?.conditions).toEqual([expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'Cancelled' })]);
    expect((await env.runEvents(run)).map((e) => e.type)).toEqual(['NetworkRunStarted', 'RouteDecided', 'MemberStarted', 'NetworkRunCancelled']);
  });

  it('a later run of the same thread sees the earlier tasks and answers', async () => {
    await env.createRun('chat-1', { networkRef: 'chat', message: 'first question', threadId: 'conv-1' });
    await env.waitForPhase('chat-1', ['Succeeded']);
    await env.createRun('chat-2', { networkRef: 'chat', message: 'second question', threadId: 'conv-1' });
    await env.createRun('chat-other', { networkRef: 'chat', message: 'second question', threadId: 'conv-2' });
    const second = await env.waitForPhase('chat-2', ['Succeeded', 'Failed']);
    const other = await env.waitForPhase('chat-other', ['Succeeded', 'Failed']);
    expect(second.status).toMatchObject({ phase: 'Succeeded', output: 'ANSWER TWO', threadId: 'conv-1' });
    const messages = env.callsOf(second).router[0].request.messages.slice(1);
    expect(messages.map((m) => [m.role, m.role === 'assistant' ? JSON.parse(String(m.content)).answer : m.content])).toEqual([
      ['user', 'first question'],
      ['assistant', 'ANSWER ONE'],
      ['user', 'second question'],
    ]);
    expect(env.callsOf(other).router[0].request.messages.slice(1).map((m) => m.content)).toEqual(['second question']);
  });
});
