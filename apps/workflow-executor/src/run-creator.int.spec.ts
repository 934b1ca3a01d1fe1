import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { ExecutorTestEnvironment, resource } from './test/executor-test-environment';

jest.setTimeout(60_000);

/** Model calls of a run are made as whoever created it: limits and usage are theirs. */
describe('a run acts as its creator', () => {
  let env: ExecutorTestEnvironment;
  /** The `user` of every chat request the llm-proxy got, with the prompt it answered. */
  const calls: Array<{ user: string; prompt: string }> = [];

  beforeAll(async () => {
    env = await ExecutorTestEnvironment.create('wfcreator');
    env.nc.subscribe(`${env.prefix}.llm.chat`, {
      queue: 'llm-proxy',
      callback: (error, msg) => {
        if (error) return;
        const { request, user } = msg.json<{ request: { model: string; messages: Array<{ content: string | null }> }; user: string }>();
        calls.push({ user, prompt: String(request.messages.at(-1)?.content ?? '') });
        const completion = {
          id: 'fake',
          object: 'chat.completion',
          created: 0,
          model: request.model,
          choices: [{ index: 0, message: { role: 'assistant', content: `answer for ${user}` }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        };
        msg.respond(JSON.stringify({ ok: true, completion }));
      },
    });
    await env.apply(
      resource('Agent', 'default', 'writer', { instructions: 'write', model: { provider: 'mock', name: 'mock-model' } }),
      resource('Workflow', 'default', 'two-agents', { steps: [{ id: 'draft', agent: 'writer', input: { prompt: '$.input.topic' } }, { id: 'polish', agent: 'writer' }] }),
      resource('Workflow', 'default', 'nested', { steps: [{ id: 'inner', workflow: 'two-agents', input: { type: 'user-input' } }] }),
    );
    await env.startExecutor();
  });

  afterAll(async () => {
    await env?.close();
  });

  const createRunAs = (actor: string, name: string, workflowRef: string, input: unknown, metadata: Partial<Resource['metadata']> = {}) =>
    env.store.create({ apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', metadata: { name, namespace: 'default', ...metadata }, spec: { workflowRef, input } }, { actor });
  const startedBy = async (run: Resource) => {
    const events = await env.runEvents(run);
    return events.find((event) => event.type === 'RunStarted')?.data.createdBy;
  };

  it('calls the model of every agent step as the user who created the run, and records it on RunStarted', async () => {
    // Given a workflow of two agent steps
    // When alice creates a run of it
    const created = await createRunAs('user:alice', 'alice-1', 'two-agents', { topic: 'alice-topic' });
    const run = await env.waitForPhase('default', 'alice-1', ['Succeeded', 'Failed']);
    // Then both model calls were made as alice (the llm-proxy's user is the token subject), not as the executor
    expect(run.status?.phase).toBe('Succeeded');
    expect(await startedBy(created)).toBe('user:alice');
    const ofRun = calls.filter((call) => call.prompt === 'alice-topic' || call.prompt === 'answer for alice');
    expect(ofRun.map((call) => call.user)).toEqual(['alice', 'alice']);
  });

  it('makes a child run of a workflow step act as its parent\'s creator', async () => {
    // When bob creates a run whose step starts a child run (created by the executor)
    const created = await createRunAs('user:bob', 'bob-1', 'nested', { topic: 'bob-topic' });
    const run = await env.waitForPhase('default', 'bob-1', ['Succeeded', 'Failed']);
    // Then the child acted as bob too
    expect(run.status?.phase).toBe('Succeeded');
    const child = (await env.store.get({ kind: 'WorkflowRun', namespace: 'default', name: 'bob-1-inner' })) as Resource;
    expect(await startedBy(created)).toBe('user:bob');
    expect(await startedBy(child)).toBe('user:bob');
    expect(calls.filter((call) => call.prompt === 'bob-topic' || call.prompt === 'answer for bob').map((call) => call.user)).toEqual(['bob', 'bob']);
  });

  it('does not let a user act as another by naming the other\'s run as its owner', async () => {
    // Given a run of carol
    const carols = await createRunAs('user:carol', 'carol-1', 'two-agents', { topic: 'carol-topic' });
    await env.waitForPhase('default', 'carol-1', ['Succeeded', 'Failed']);
    // When mallory creates a run that claims carol's run as its controlling owner
    const forged = await createRunAs('user:mallory', 'mallory-1', 'two-agents', { topic: 'mallory-topic' }, {
      ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', name: 'carol-1', uid: carols.metadata.uid ?? '', controller: true }],
    });
    await env.waitForPhase('default', 'mallory-1', ['Succeeded', 'Failed']);
    // Then mallory's run acts as mallory
    expect(await startedBy(forged)).toBe('user:mallory');
    expect(calls.filter((call) => call.prompt === 'mallory-topic').map((call) => call.user)).toEqual(['mallory']);
  });
});
