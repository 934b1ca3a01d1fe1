import type { Resource, ResourceStatus } from '@kastra/api';
import type { ResourcePermissions } from '@kastra/rbac';
import { recheckDelay, type Assessment } from '../assessment';
import { InMemoryResourceStore } from '../test/in-memory-resource-store';
import { AgentReconciler } from './agent-reconciler';
import { LlmReconciler } from './llm-reconciler';
import { NetworkReconciler } from './network-reconciler';

function object(kind: string, name: string, spec: Record<string, unknown>, extra: Partial<Resource> = {}): Resource {
  return { apiVersion: 'mastra.ai/v1', kind, metadata: { name, namespace: 'default' }, spec, ...extra };
}

/** The LLMs' last writers may read every Secret (the rule itself: 'SecretForbidden' below). */
const MAY_USE_SECRETS: ResourcePermissions = { mayUseSecret: async () => true, mayReachPrivate: async () => false };

function reasons(assessment: Assessment): string[] {
  return assessment.problems.map((problem) => problem.reason);
}

describe('LlmReconciler', () => {
  it('needs no key for mock and ollama, and names the variable of an unset ${ENV} key', async () => {
    const store = new InMemoryResourceStore();
    const llms = new LlmReconciler(store, { env: { SET_KEY: 'sk-1', KASTRA_ALLOWED_ENV_REFS: 'openai:SET_KEY,openai:OPENAI_API_KEY' } });
    expect(reasons(await llms.reconcile(object('LLM', 'm', { provider: 'mock', model: 'x' })))).toEqual([]);
    expect(reasons(await llms.reconcile(object('LLM', 'o', { provider: 'ollama', model: 'llama3' })))).toEqual([]);
    expect(reasons(await llms.reconcile(object('LLM', 'set', { provider: 'openai', model: 'x', apiKey: '${SET_KEY}' })))).toEqual([]);

    const missing = await llms.reconcile(object('LLM', 'unset', { provider: 'openai', model: 'x', apiKey: '${OPENAI_API_KEY}' }));
    expect(missing.problems).toEqual([
      {
        reason: 'APIKeyMissing',
        message: 'environment variable OPENAI_API_KEY is not set: set it in the environment of Kastra or use spec.secretRef',
        recheckAfterMs: 30_000,
      },
    ]);
  });

  it('is Ready with a key pool when at least one variable is set', async () => {
    const allowed = 'openai:KEY_A,openai:KEY_B';
    const llms = new LlmReconciler(new InMemoryResourceStore(), { env: { KEY_B: 'b', KASTRA_ALLOWED_ENV_REFS: allowed } });
    const pool = { provider: 'openai', model: 'x', apiKeys: ['${KEY_A}', '${KEY_B}'] };
    expect(reasons(await llms.reconcile(object('LLM', 'p', pool)))).toEqual([]);
    const none = await new LlmReconciler(new InMemoryResourceStore(), { env: { KASTRA_ALLOWED_ENV_REFS: allowed } }).reconcile(object('LLM', 'p', pool));
    expect(none.problems[0]).toMatchObject({ reason: 'APIKeyMissing' });
    expect(none.problems[0].message).toContain('KEY_A, KEY_B');
  });

  it('never echoes a literal key and asks for a key when a keyed provider has none', async () => {
    const llms = new LlmReconciler(new InMemoryResourceStore(), { env: {} });
    const literal = await llms.reconcile(object('LLM', 'l', { provider: 'openai', model: 'x', apiKey: 'sk-very-secret' }));
    expect(literal.problems).toEqual([expect.objectContaining({ reason: 'InvalidAPIKeyReference', terminal: true })]);
    expect(JSON.stringify(literal)).not.toContain('sk-very-secret');
    const none = await llms.reconcile(object('LLM', 'n', { provider: 'anthropic', model: 'claude' }));
    expect(none.problems[0].message).toContain('spec.apiKey (e.g. ${ANTHROPIC_API_KEY}) or spec.secretRef');
  });

  it('checks that the Secret of secretRef exists and holds the key', async () => {
    // Given an LLM reading its key from a Secret
    const store = new InMemoryResourceStore();
    const llms = new LlmReconciler(store, { env: {}, permissions: MAY_USE_SECRETS });
    const llm = object('LLM', 's', { provider: 'openai', model: 'x', secretRef: { name: 'creds', key: 'api-key' } });
    // When the Secret does not exist: ReferenceNotFound naming it
    const absent = await llms.reconcile(llm);
    expect(absent.problems).toEqual([expect.objectContaining({ reason: 'ReferenceNotFound', unresolvedReference: true })]);
    expect(absent.problems[0].message).toContain('Secret "default/creds" not found (spec.secretRef)');
    // When it exists without the key: SecretKeyMissing
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { other: 'enc' } });
    const wrongKey = await llms.reconcile(llm);
    expect(wrongKey.problems).toEqual([expect.objectContaining({ reason: 'SecretKeyMissing' })]);
    expect(wrongKey.problems[0].message).toContain('Secret "default/creds" has no key "api-key"');
    // When the key is there: Ready
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { 'api-key': 'enc' } });
    expect(reasons(await llms.reconcile(llm))).toEqual([]);
  });

  it('judges a spec without keys by the provider default key, the way llm-proxy calls it', async () => {
    // Given an OpenAI LLM that names no key of its own
    const llm = object('LLM', 'bare', { provider: 'openai', model: 'gpt-4o' });
    // When the environment has no OPENAI_API_KEY: not Ready, naming the variable, looked at again later
    const without = await new LlmReconciler(new InMemoryResourceStore(), { env: {} }).reconcile(llm);
    expect(without.problems).toEqual([expect.objectContaining({ reason: 'APIKeyMissing', recheckAfterMs: 30_000 })]);
    expect(without.problems[0].terminal).toBeUndefined();
    expect(without.problems[0].message).toContain('set OPENAI_API_KEY in the environment of Kastra');
    // When it has one: Ready (llm-proxy calls it with that key)
    const withKey = await new LlmReconciler(new InMemoryResourceStore(), { env: { OPENAI_API_KEY: 'sk-env' } }).reconcile(llm);
    expect(reasons(withKey)).toEqual([]);
  });

  it('never lets the provider default key stand in for keys of its own that are all unusable', async () => {
    const llms = new LlmReconciler(new InMemoryResourceStore(), { env: { OPENAI_API_KEY: 'sk-env', KASTRA_ALLOWED_ENV_REFS: 'openai:OTHER_ACCOUNT_KEY' } });
    const own = await llms.reconcile(object('LLM', 'own', { provider: 'openai', model: 'x', apiKey: '${OTHER_ACCOUNT_KEY}' }));
    expect(own.problems).toEqual([expect.objectContaining({ reason: 'APIKeyMissing' })]);
    expect(own.problems[0].message).toContain('OTHER_ACCOUNT_KEY');
  });

  it('is Ready when one of its own keys is usable, as the proxy then calls with that one', async () => {
    // Given an LLM with an unset variable and a Secret that holds the key
    const store = new InMemoryResourceStore();
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { 'api-key': 'enc' } });
    const llms = new LlmReconciler(store, { env: { KASTRA_ALLOWED_ENV_REFS: 'openai:UNSET_KEY' }, permissions: MAY_USE_SECRETS });
    const llm = object('LLM', 'mixed', { provider: 'openai', model: 'x', apiKey: '${UNSET_KEY}', secretRef: { name: 'creds', key: 'api-key' } });
    // Then it is Ready
    expect(reasons(await llms.reconcile(llm))).toEqual([]);
  });

  it('follows the provider table for providers that need no key, or a key only when given one', async () => {
    const store = new InMemoryResourceStore();
    const llms = new LlmReconciler(store, { env: { KASTRA_ALLOWED_ENV_REFS: 'mock:UNSET_KEY' }, permissions: MAY_USE_SECRETS });
    // mock and ollama are called without a key: an unset one (that may be named) is left out, not a problem
    expect(reasons(await llms.reconcile(object('LLM', 'm', { provider: 'mock', model: 'x', apiKey: '${UNSET_KEY}' })))).toEqual([]);
    // openai-compatible: no key is fine, a key that is given must be there (from a Secret: its endpoint is its own)
    const compatible = { provider: 'openai-compatible', model: 'local', options: { baseURL: 'http://127.0.0.1:8000/v1' } };
    expect(reasons(await llms.reconcile(object('LLM', 'c', compatible)))).toEqual([]);
    expect(reasons(await llms.reconcile(object('LLM', 'c', { ...compatible, secretRef: { name: 'gone', key: 'k' } })))).toEqual(['ReferenceNotFound']);
  });

  it('is not Ready when it names a ${VAR} the operator does not allow, and says which rule', async () => {
    // Given the default allow list (each provider's own key variable) and those variables set
    const env = { DATABASE_URL: 'postgres://admin:pw@db/kastra', KASTRA_JWT_SECRET: 'jwt', OPENAI_API_KEY: 'sk-env' };
    const llms = new LlmReconciler(new InMemoryResourceStore(), { env });
    // When LLMs name other variables of the environment
    for (const [field, spec] of [
      ['spec.apiKey', { apiKey: '${DATABASE_URL}' }],
      ['spec.apiKey', { apiKey: '${KASTRA_JWT_SECRET}' }],
      ['spec.apiKeys[1]', { apiKeys: ['${OPENAI_API_KEY}', '${KASTRA_JWT_SECRET}'] }],
    ] as const) {
      const verdict = await llms.reconcile(object('LLM', 'greedy', { provider: 'openai', model: 'x', ...spec }));
      // Then each is not Ready, naming the field, the variable and KASTRA_ALLOWED_ENV_REFS (never a value)
      expect(verdict.problems).toEqual([expect.objectContaining({ reason: 'EnvReferenceNotAllowed', recheckAfterMs: 30_000 })]);
      expect(verdict.problems[0].message).toMatch(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')} names \\$\\{(DATABASE_URL|KASTRA_JWT_SECRET)\\}, which the operator does not allow LLMs of provider openai to use \\(KASTRA_ALLOWED_ENV_REFS; it allows OPENAI_API_KEY\\)`));
      expect(JSON.stringify(verdict)).not.toMatch(/admin:pw|"jwt"|sk-env/);
    }
  });

  it('takes keys from Secrets only when spec.options.baseURL is an endpoint of its own', async () => {
    // Given OPENAI_API_KEY set (allowed for openai at its default endpoint) and a Secret with a key
    const store = new InMemoryResourceStore();
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'own', namespace: 'default' }, data: { key: 'enc' } });
    const llms = new LlmReconciler(store, { env: { OPENAI_API_KEY: 'sk-env' }, permissions: MAY_USE_SECRETS });
    const custom = { provider: 'openai', model: 'x', options: { baseURL: 'https://collector.example/v1' } };
    // Then naming the provider's variable at an endpoint of its own is refused
    const named = await llms.reconcile(object('LLM', 'named', { ...custom, apiKey: '${OPENAI_API_KEY}' }));
    expect(named.problems).toEqual([expect.objectContaining({ reason: 'EnvReferenceNotAllowed', message: expect.stringContaining('takes keys from Secrets only: use spec.secretRef') })]);
    // And no key at all does not borrow the default key there
    const bare = await llms.reconcile(object('LLM', 'bare', custom));
    expect(bare.problems).toEqual([expect.objectContaining({ reason: 'APIKeyMissing', message: expect.stringContaining('never given the provider\'s default key: set spec.secretRef') })]);
    // And a key from a Secret is Ready; so is the variable at the default endpoint
    expect(reasons(await llms.reconcile(object('LLM', 'secret', { ...custom, secretRef: { name: 'own', key: 'key' } })))).toEqual([]);
    expect(reasons(await llms.reconcile(object('LLM', 'default', { provider: 'openai', model: 'x', apiKey: '${OPENAI_API_KEY}', options: { baseURL: 'https://api.openai.com/v1' } })))).toEqual([]);
  });

  it('is not Ready (SecretForbidden, looked at again) when its last writer may not read the Secret of secretRef, whatever its other keys', async () => {
    // Given a Secret with the key, and permissions letting only the LLM "trusted" use it
    const store = new InMemoryResourceStore();
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'admin-key', namespace: 'default' }, data: { token: 'enc' } });
    const asked: string[] = [];
    const permissions: ResourcePermissions = {
      mayUseSecret: async (llm, secret) => (asked.push(`${llm.metadata.name}:${secret.namespace}/${secret.name}`), llm.metadata.name === 'trusted'),
      mayReachPrivate: async () => false,
    };
    const llms = new LlmReconciler(store, { env: { OPENAI_API_KEY: 'sk-env' }, permissions });
    const spec = { provider: 'openai', model: 'x', secretRef: { name: 'admin-key', key: 'token' } };
    // When an LLM another wrote uses it, even beside a usable key of the environment
    const stolen = await llms.reconcile(object('LLM', 'stolen', { ...spec, options: { baseURL: 'https://collector.example/v1' } }));
    const mixed = await llms.reconcile(object('LLM', 'mixed', { ...spec, apiKey: '${OPENAI_API_KEY}' }));
    // Then both are not Ready, naming the Secret, the field and the rule, and are looked at again
    for (const verdict of [stolen, mixed]) {
      expect(verdict.problems).toEqual([expect.objectContaining({ reason: 'SecretForbidden', recheckAfterMs: 30_000 })]);
      expect(verdict.problems[0].message).toBe(
        'Secret "default/admin-key" (spec.secretRef) may not be used: whoever last wrote this LLM may not get that Secret, and a resource uses only Secrets its last writer may read; have someone who may read it write the LLM',
      );
    }
    // And the one whose writer may read it is Ready, as is one of a provider called without a key (it sends none)
    expect(reasons(await llms.reconcile(object('LLM', 'trusted', spec)))).toEqual([]);
    expect(reasons(await llms.reconcile(object('LLM', 'keyless', { ...spec, provider: 'mock' })))).toEqual([]);
    expect(asked).toEqual(['stolen:default/admin-key', 'mixed:default/admin-key', 'trusted:default/admin-key']);
  });

  it('asks for an endpoint where the provider has none, and names a provider that is turned off', async () => {
    const llms = new LlmReconciler(new InMemoryResourceStore(), { env: { KASTRA_DISABLE_GROQ_PROVIDER: 'true', GROQ_API_KEY: 'k' } });
    const endpointless = await llms.reconcile(object('LLM', 'c', { provider: 'openai-compatible', model: 'local' }));
    expect(endpointless.problems).toEqual([expect.objectContaining({ reason: 'BaseURLMissing', terminal: true })]);
    expect(endpointless.problems[0].message).toContain('spec.options.baseURL');
    const off = await llms.reconcile(object('LLM', 'g', { provider: 'groq', model: 'llama' }));
    expect(off.problems).toEqual([expect.objectContaining({ reason: 'ProviderDisabled' })]);
    expect(off.problems[0].message).toContain('KASTRA_DISABLE_GROQ_PROVIDER');
  });
});

describe('AgentReconciler', () => {
  it('names references that are missing, not Ready, or Ready for an older generation', async () => {
    const store = new InMemoryResourceStore();
    const agents = new AgentReconciler(store);
    const agent = object('Agent', 'a', { instructions: 'x', model: { ref: 'default.brain' }, tools: [{ name: 'finder' }] });
    const readyCondition = { type: 'Ready', status: 'True' as const, reason: 'Ready', message: 'ok', lastTransitionTime: '2024-01-01T00:00:00Z' };
    store.put(object('LLM', 'brain', { provider: 'mock', model: 'm' }, { status: { observedGeneration: 1, conditions: [readyCondition] } }));
    store.put(
      object('Tool', 'finder', { builtin: 'current-time' }, {
        status: { observedGeneration: 1, conditions: [{ ...readyCondition, status: 'False', reason: 'Unreachable', message: 'down' }] },
      }),
    );
    const notReady = await agents.reconcile(agent);
    expect(notReady.problems.map((problem) => problem.message)).toEqual(['Tool "default/finder" is not Ready: down']);

    // A Ready condition about an older spec does not count
    store.put(object('LLM', 'brain', { provider: 'mock', model: 'm2' }, { metadata: { name: 'brain', namespace: 'default', generation: 2 }, status: { observedGeneration: 1, conditions: [readyCondition] } }));
    const stale = await agents.reconcile(agent);
    expect(stale.problems.map((problem) => problem.message)).toContain('LLM "default/brain" is not Ready: its latest change is not reconciled yet');

    // An inline model with a known provider needs no LLM resource
    const inline = await agents.reconcile(object('Agent', 'i', { instructions: 'x', model: { provider: 'mock', name: 'm' } }));
    expect(inline.problems).toEqual([]);
  });

  it('never calls an Agent without a model Ready: ModelMissing, naming the field', async () => {
    const agents = new AgentReconciler(new InMemoryResourceStore(), { env: {} });
    const assessment = await agents.reconcile(object('Agent', 'escalation-agent', { instructions: 'x' }));
    expect(assessment.problems).toEqual([expect.objectContaining({ reason: 'ModelMissing', terminal: true })]);
    expect(assessment.problems[0].message).toContain('no model is set (spec.model)');
  });

  it('calls an inline model Ready only when llm-proxy can serve it: the provider default key, or a Ready LLM of that provider and model', async () => {
    // Given an agent with an inline OpenAI model and no OPENAI_API_KEY
    const store = new InMemoryResourceStore();
    const agent = object('Agent', 'i', { instructions: 'x', model: { provider: 'openai', name: 'gpt-4o' } });
    const unserved = await new AgentReconciler(store, { env: {} }).reconcile(agent);
    // Then it is not Ready, naming the handle and the variable, and looked at again later
    expect(unserved.problems).toEqual([expect.objectContaining({ reason: 'APIKeyMissing', recheckAfterMs: 30_000 })]);
    expect(unserved.problems[0].message).toContain('no Ready LLM serves openai/gpt-4o (spec.model) and OPENAI_API_KEY is not set');
    // When the key is in the environment: Ready
    expect(reasons(await new AgentReconciler(store, { env: { OPENAI_API_KEY: 'sk-env' } }).reconcile(agent))).toEqual([]);
    // When an LLM of that provider and model exists in another namespace but is not Ready: still not Ready
    const readyCondition = { type: 'Ready', status: 'True' as const, reason: 'Ready', message: 'ok', lastTransitionTime: '2024-01-01T00:00:00Z' };
    const llm = { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'gpt', namespace: 'models' }, spec: { provider: 'openai', model: 'gpt-4o', apiKey: '${K}' } };
    store.put({ ...llm, status: { observedGeneration: 1, conditions: [{ ...readyCondition, status: 'False', reason: 'APIKeyMissing' }] } });
    expect(reasons(await new AgentReconciler(store, { env: {} }).reconcile(agent))).toEqual(['APIKeyMissing']);
    // When it is Ready: the proxy serves the inline model with it, and the agent looks again later (that LLM's changes do not wake it)
    store.put({ ...llm, status: { observedGeneration: 1, conditions: [readyCondition] } });
    const served = await new AgentReconciler(store, { env: {} }).reconcile(agent);
    expect(reasons(served)).toEqual([]);
    expect(recheckDelay(served)).toBe(30_000);
  });

  it('needs an LLM with an endpoint for an inline model of a provider without a default one', async () => {
    const agents = new AgentReconciler(new InMemoryResourceStore(), { env: {} });
    const assessment = await agents.reconcile(object('Agent', 'c', { instructions: 'x', model: { provider: 'openai-compatible', name: 'local' } }));
    expect(reasons(assessment)).toEqual(['BaseURLMissing']);
  });
});

describe('NetworkReconciler', () => {
  it('judges an inline router model like an agent model', async () => {
    const networks = new NetworkReconciler(new InMemoryResourceStore(), { env: {} });
    const network = (model: unknown) => object('Network', 'n', { agents: [], router: { model } });
    expect(reasons(await networks.reconcile(network({ provider: 'mock', name: 'mock-1' })))).toEqual([]);
    const keyed = await networks.reconcile(network({ provider: 'anthropic', name: 'claude' }));
    expect(keyed.problems[0].message).toContain('no Ready LLM serves anthropic/claude (spec.router.model) and ANTHROPIC_API_KEY is not set');
  });

  it('is Ready only when its workflow members are, as its agents', async () => {
    // Given a Ready agent and a workflow member that is not Ready yet
    const store = new InMemoryResourceStore();
    const ready: ResourceStatus = { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '' }] };
    const broken: ResourceStatus = { conditions: [{ type: 'Ready', status: 'False', reason: 'ReferenceNotFound', message: 'Tool "default/t" not found', lastTransitionTime: '' }] };
    store.put(object('Agent', 'search', { model: { provider: 'mock', name: 'm' }, instructions: 'x' }, { status: ready }));
    store.put(object('Workflow', 'etl', { steps: [{ id: 'a', tool: 't' }] }, { status: broken }));
    const networks = new NetworkReconciler(store, { env: {} });
    const network = object('Network', 'n', { agents: [{ name: 'search' }], workflows: [{ name: 'load', ref: 'etl' }, { name: 'missing' }], router: { model: { provider: 'mock', name: 'm' } } });
    // When it is reconciled
    const verdict = await networks.reconcile(network);
    // Then the workflow that is not Ready and the one that does not exist are its problems
    expect(verdict.problems.map((problem) => [problem.reason, problem.message])).toEqual([
      ['ReferenceNotReady', 'Workflow "default/etl" is not Ready: Tool "default/t" not found'],
      ['ReferenceNotFound', 'Workflow "default/missing" not found (spec.workflows[1].name): create it or correct the reference'],
    ]);
    // And once the workflow is Ready (and the missing member removed) the network is
    store.put(object('Workflow', 'etl', { steps: [{ id: 'a', tool: 't' }] }, { status: ready }));
    const healed = await networks.reconcile({ ...network, spec: { ...network.spec, workflows: [{ name: 'load', ref: 'etl' }] } });
    expect(healed).toMatchObject({ problems: [], readyMessage: 'router model and 1 agent and 1 workflow are Ready' });
  });
});
