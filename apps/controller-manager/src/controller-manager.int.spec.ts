import type { Resource } from '@kastra/api';
import { eventually } from '@kastra/testing';
import { parse } from 'yaml';
import { ControllerTestEnvironment, resource, userCtx } from './test/controller-test-environment';

/** A System as first written for customer support: one agent has no model, one an inline model whose provider key is not set. */
const SYSTEM_WITH_UNSERVED_AGENTS = `
apiVersion: mastra.ai/v1
kind: System
metadata:
  name: support
  namespace: unserved
spec:
  agents:
    - name: support-agent
      spec:
        instructions: First line support.
        model:
          provider: mock
          name: mock-1
    - name: expert-agent
      spec:
        instructions: Hard questions.
        model:
          provider: anthropic
          name: claude-3-opus
    - name: escalation-agent
      spec:
        instructions: Escalations.
`;

describe('ControllerManager (Postgres + NATS)', () => {
  let env: ControllerTestEnvironment;
  /** The environment the controllers read keys and the allow list of ${VAR}s from. */
  const managerEnv: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    env = await ControllerTestEnvironment.create('cm');
    await env.startManager({ env: managerEnv });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('keeps an Agent not Ready until its LLM exists, then follows the LLM live', async () => {
    // Given an Agent applied before the LLM it uses
    const agentKey = { kind: 'Agent', namespace: 'cooking', name: 'chef' };
    await env.store.create(resource('Agent', 'cooking', 'chef', { instructions: 'Cook.', model: { ref: 'cooking.mock-llm' } }), userCtx);
    // Then it is not Ready, naming the missing LLM
    const waiting = await env.waitForCondition(agentKey, 'Ready', 'False', 'LLM "cooking/mock-llm" not found');
    expect(waiting.status).toMatchObject({ phase: 'NotReady', observedGeneration: 1 });
    expect(waiting.status?.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'ReferencesResolved', status: 'False', reason: 'ReferenceNotFound' })]),
    );

    // When the LLM is created, with nothing else done
    await env.store.create(resource('LLM', 'cooking', 'mock-llm', { provider: 'mock', model: 'mock-1' }), userCtx);
    // Then the Agent becomes Ready by itself
    const ready = await env.waitForCondition(agentKey, 'Ready', 'True');
    expect(ready.status?.phase).toBe('Ready');

    // When the LLM is deleted
    await env.store.delete({ kind: 'LLM', namespace: 'cooking', name: 'mock-llm' }, userCtx);
    // Then the Agent is not Ready again, naming it
    await env.waitForCondition(agentKey, 'Ready', 'False', 'LLM "cooking/mock-llm" not found');
  });

  it('reports a Tool that is not Ready by name in the Agent using it', async () => {
    // Given a tool whose script does not compile and an agent using it
    await env.store.create(resource('LLM', 'tools', 'm', { provider: 'mock', model: 'mock-1' }), userCtx);
    await env.store.create(resource('Tool', 'tools', 'recipe-finder', { script: { code: 'return {{' } }), userCtx);
    await env.store.create(
      resource('Agent', 'tools', 'a', { instructions: 'x', model: { ref: 'm' }, tools: [{ name: 'recipe-finder' }] }),
      userCtx,
    );
    // Then the tool is Failed with InvalidScript and the agent names the tool
    const tool = await env.waitForCondition({ kind: 'Tool', namespace: 'tools', name: 'recipe-finder' }, 'Ready', 'False', 'does not compile');
    expect(tool.status?.phase).toBe('Failed');
    await env.waitForCondition({ kind: 'Agent', namespace: 'tools', name: 'a' }, 'Ready', 'False', 'Tool "tools/recipe-finder" is not Ready: spec.script.code does not compile');

    // When the script is fixed
    await env.store.patch(
      { kind: 'Tool', namespace: 'tools', name: 'recipe-finder' },
      (current) => ({ ...current!, spec: { script: { code: 'return { ok: true }' } } }),
      userCtx,
    );
    // Then the agent follows
    await env.waitForCondition({ kind: 'Agent', namespace: 'tools', name: 'a' }, 'Ready', 'True');
  });

  it('marks a Workflow with graph errors InvalidGraph, naming the paths', async () => {
    // Given a workflow whose step goes to a step that does not exist
    await env.store.create(resource('Tool', 'wf', 'clock', { builtin: 'current-time' }), userCtx);
    await env.store.create(
      resource('Workflow', 'wf', 'broken', { steps: [{ id: 'first', tool: 'clock', next: 'nowhere' }] }),
      userCtx,
    );
    // Then it is not Ready with reason InvalidGraph and the path of the dangling next
    const broken = await env.waitForCondition({ kind: 'Workflow', namespace: 'wf', name: 'broken' }, 'Ready', 'False', 'spec.steps[0].next');
    const ready = broken.status?.conditions?.find((condition) => condition.type === 'Ready');
    expect(ready).toMatchObject({ reason: 'InvalidGraph' });
    expect(ready?.message).toContain('nowhere');
    expect(broken.status?.phase).toBe('Failed');

    // And a valid one using the same tool becomes Ready
    await env.store.create(resource('Workflow', 'wf', 'fine', { steps: [{ id: 'first', tool: 'clock' }] }), userCtx);
    await env.waitForCondition({ kind: 'Workflow', namespace: 'wf', name: 'fine' }, 'Ready', 'True');
  });

  it('shows APIKeyMissing naming the environment variable of an LLM, and EnvReferenceNotAllowed for a variable the operator did not allow', async () => {
    // Given an LLM whose key comes from an unset environment variable the operator allows
    managerEnv.KASTRA_ALLOWED_ENV_REFS = 'openai:KASTRA_TEST_UNSET_KEY';
    try {
      await env.store.create(resource('LLM', 'providers', 'gpt', { provider: 'openai', model: 'gpt-4o', apiKey: '${KASTRA_TEST_UNSET_KEY}' }), userCtx);
      // Then it is not Ready, naming the variable and the way out
      const llm = await env.waitForCondition({ kind: 'LLM', namespace: 'providers', name: 'gpt' }, 'Ready', 'False', 'KASTRA_TEST_UNSET_KEY');
      const ready = llm.status?.conditions?.find((condition) => condition.type === 'Ready');
      expect(ready).toMatchObject({ reason: 'APIKeyMissing' });
      expect(ready?.message).toBe('environment variable KASTRA_TEST_UNSET_KEY is not set: set it in the environment of Kastra or use spec.secretRef');
    } finally {
      delete managerEnv.KASTRA_ALLOWED_ENV_REFS;
    }
    // And an LLM naming a variable of the services' environment is not Ready, naming the rule
    await env.store.create(resource('LLM', 'providers', 'thief', { provider: 'openai', model: 'gpt-4o', apiKey: '${DATABASE_URL}' }), userCtx);
    const thief = await env.waitForCondition({ kind: 'LLM', namespace: 'providers', name: 'thief' }, 'Ready', 'False', 'KASTRA_ALLOWED_ENV_REFS');
    expect(thief.status?.conditions?.find((condition) => condition.type === 'Ready')).toMatchObject({
      reason: 'EnvReferenceNotAllowed',
      message: expect.stringMatching(/^spec\.apiKey names \$\{DATABASE_URL\}, which the operator does not allow LLMs of provider openai to use/),
    });
  });

  it('never shows Ready an Agent that could not run: no model, or an inline model nothing serves; nor its System', async () => {
    // Given a System whose agents have an inline mock model, an inline Anthropic model (no ANTHROPIC_API_KEY here) and no model
    await env.store.create(parse(SYSTEM_WITH_UNSERVED_AGENTS) as Resource, userCtx);
    // Then the agent without a model is not Ready and Failed (only a spec change helps), naming the field
    const noModel = await env.waitForCondition({ kind: 'Agent', namespace: 'unserved', name: 'escalation-agent' }, 'Ready', 'False', 'no model is set (spec.model)');
    expect(noModel.status?.conditions?.find((condition) => condition.type === 'Ready')).toMatchObject({ reason: 'ModelMissing' });
    expect(noModel.status?.phase).toBe('Failed');
    // And the agent with the unserved inline model names the handle and the variable
    const unserved = await env.waitForCondition({ kind: 'Agent', namespace: 'unserved', name: 'expert-agent' }, 'Ready', 'False', 'no Ready LLM serves anthropic/claude-3-opus');
    expect(unserved.status?.conditions?.find((condition) => condition.type === 'Ready')?.message).toContain('ANTHROPIC_API_KEY is not set');
    // And the mock one is Ready
    await env.waitForCondition({ kind: 'Agent', namespace: 'unserved', name: 'support-agent' }, 'Ready', 'True');
    // And the System is not Ready, naming both agents
    const system = await env.waitForCondition({ kind: 'System', namespace: 'unserved', name: 'support' }, 'Ready', 'False', 'Agent "unserved/escalation-agent" is not Ready: no model is set');
    expect(system.status?.conditions?.find((condition) => condition.type === 'Ready')?.message).toContain('Agent "unserved/expert-agent" is not Ready');
  });

  it('expands a System into owned children and deletes them with it', async () => {
    // Given a System with an LLM, a tool and an agent using both
    const system = await env.store.create(
      resource('System', 'sys', 'kitchen', {
        llms: [{ name: 'brain', spec: { provider: 'mock', model: 'mock-1' } }],
        tools: [{ name: 'clock', spec: { builtin: 'current-time' } }],
        agents: [{ name: 'cook', spec: { instructions: 'Cook.', model: { ref: 'brain' }, tools: [{ name: 'clock' }] } }],
      }),
      userCtx,
    );
    // Then the children exist with a controller ownerReference and the system label
    const agentKey = { kind: 'Agent', namespace: 'sys', name: 'cook' };
    const agent = await env.waitForCondition(agentKey, 'Ready', 'True');
    expect(agent.metadata.labels).toMatchObject({ 'mastra.ai/system': 'kitchen' });
    expect(agent.metadata.ownerReferences).toEqual([
      { apiVersion: 'mastra.ai/v1', kind: 'System', name: 'kitchen', uid: system.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    // And the System is Ready once every child is
    await env.waitForCondition({ kind: 'System', namespace: 'sys', name: 'kitchen' }, 'Ready', 'True');

    // When a child is dropped from the System
    await env.store.patch(
      { kind: 'System', namespace: 'sys', name: 'kitchen' },
      (current) => ({ ...current!, spec: { ...current!.spec, tools: [], agents: [] } }),
      userCtx,
    );
    // Then the undeclared children are deleted
    await eventually(async () => !(await env.store.get(agentKey)) && !(await env.store.get({ kind: 'Tool', namespace: 'sys', name: 'clock' })));

    // When the System is deleted
    await env.store.delete({ kind: 'System', namespace: 'sys', name: 'kitchen' }, userCtx);
    // Then its remaining children are garbage-collected
    await eventually(async () => !(await env.store.get({ kind: 'LLM', namespace: 'sys', name: 'brain' })));
  });

  it('refuses to take over an object the System does not own', async () => {
    // Given an Agent created by a user, and a System declaring one of the same name
    await env.store.create(resource('LLM', 'clash', 'm', { provider: 'mock', model: 'mock-1' }), userCtx);
    await env.store.create(resource('Agent', 'clash', 'taken', { instructions: 'mine', model: { ref: 'm' } }), userCtx);
    await env.store.create(
      resource('System', 'clash', 'grabby', { agents: [{ name: 'taken', spec: { instructions: 'theirs', model: { ref: 'm' } } }] }),
      userCtx,
    );
    // Then the System reports ChildConflict and the Agent is untouched
    await env.waitForCondition({ kind: 'System', namespace: 'clash', name: 'grabby' }, 'Ready', 'False', 'Agent "clash/taken" already exists and is not owned by System "clash/grabby"');
    const agent = await env.store.get({ kind: 'Agent', namespace: 'clash', name: 'taken' });
    expect(agent?.spec).toMatchObject({ instructions: 'mine' });
    expect(agent?.metadata.ownerReferences ?? []).toEqual([]);
  });
});
