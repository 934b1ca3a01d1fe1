import type { FieldCause } from './api-errors';
import { validateResource } from './validate-resource';

const llm = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'my-llm' }) => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata,
  spec,
});
const agent = (spec: Record<string, unknown>) => ({ apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'a' }, spec });
const workflow = (steps: unknown[]) => ({ apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: 'w' }, spec: { steps } });
const tool = (spec: Record<string, unknown>) => ({ apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name: 't' }, spec });
const network = (spec: Record<string, unknown>) => ({ apiVersion: 'mastra.ai/v1', kind: 'Network', metadata: { name: 'n' }, spec });
const secret = (body: Record<string, unknown>) => ({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 's' }, ...body });
const okModel = { provider: 'mock', name: 'mock-1' };

type Case = [string, unknown, Partial<FieldCause> & { field: string }];

const BAD_INPUTS: Case[] = [
  ['a wrong apiVersion', { ...llm({ provider: 'mock', model: 'm' }), apiVersion: 'v1' },
    { field: 'apiVersion', reason: 'FieldValueNotSupported', message: 'Unsupported value: "v1": supported values: "mastra.ai/v1"' }],
  ['a missing apiVersion', { kind: 'LLM', metadata: { name: 'x' }, spec: { provider: 'mock', model: 'm' } },
    { field: 'apiVersion', reason: 'FieldValueRequired', message: 'Required value' }],
  ['an unknown kind', { apiVersion: 'mastra.ai/v1', kind: 'Pod', metadata: { name: 'x' } },
    { field: 'kind', reason: 'FieldValueNotSupported' }],
  ['a kind in the wrong case', { apiVersion: 'mastra.ai/v1', kind: 'llm', metadata: { name: 'x' } },
    { field: 'kind', reason: 'FieldValueNotSupported' }],
  ['a missing name', llm({ provider: 'mock', model: 'm' }, {}),
    { field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value' }],
  ['an upper-case name', llm({ provider: 'mock', model: 'm' }, { name: 'My_LLM' }),
    { field: 'metadata.name', reason: 'FieldValueInvalid' }],
  ['a name of 64 characters', llm({ provider: 'mock', model: 'm' }, { name: 'a'.repeat(64) }),
    { field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters` }],
  ['a name ending in a dash', llm({ provider: 'mock', model: 'm' }, { name: 'llm-' }),
    { field: 'metadata.name', reason: 'FieldValueInvalid' }],
  ['a bad namespace', llm({ provider: 'mock', model: 'm' }, { name: 'x', namespace: 'Cooking' }),
    { field: 'metadata.namespace', reason: 'FieldValueInvalid' }],
  ['a bad label value', llm({ provider: 'mock', model: 'm' }, { name: 'x', labels: { tier: 'not ok!' } }),
    { field: 'metadata.labels.tier', reason: 'FieldValueInvalid' }],
  ['a bad label key', llm({ provider: 'mock', model: 'm' }, { name: 'x', labels: { 'a/b/c': 'v' } }),
    { field: 'metadata.labels', reason: 'FieldValueInvalid' }],
  ['a non-string label value', llm({ provider: 'mock', model: 'm' }, { name: 'x', labels: { replicas: 3 } }),
    { field: 'metadata.labels.replicas', reason: 'FieldValueTypeInvalid', message: 'must be string' }],
  ['an unknown metadata field', llm({ provider: 'mock', model: 'm' }, { name: 'x', nmae: 'y' }),
    { field: 'metadata.nmae', reason: 'FieldValueInvalid', message: 'Invalid value: unknown field "nmae"' }],
  ['a missing spec', { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'x' } },
    { field: 'spec', reason: 'FieldValueRequired' }],
  ['an unknown provider', llm({ provider: 'foo', model: 'm' }),
    { field: 'spec.provider', reason: 'FieldValueNotSupported',
      message: 'Unsupported value: "foo": supported values: "openai", "anthropic", "google", "groq", "qwen", "kimi", "ollama", "azure", "openai-compatible", "mock"' }],
  ['a missing model', llm({ provider: 'openai' }), { field: 'spec.model', reason: 'FieldValueRequired' }],
  ['an empty model', llm({ provider: 'openai', model: '' }), { field: 'spec.model', reason: 'FieldValueRequired' }],
  ['a model that is a number', llm({ provider: 'openai', model: 4 }),
    { field: 'spec.model', reason: 'FieldValueTypeInvalid', message: 'must be string' }],
  ['a literal api key', llm({ provider: 'openai', model: 'gpt-4o', apiKey: 'sk-live-123456' }),
    { field: 'spec.apiKey', reason: 'FieldValueInvalid' }],
  ['a literal key in the pool', llm({ provider: 'openai', model: 'gpt-4o', apiKeys: ['${A}', 'sk-live-1'] }),
    { field: 'spec.apiKeys[1]', reason: 'FieldValueInvalid' }],
  ['a temperature out of range', llm({ provider: 'openai', model: 'm', options: { temperature: 3 } }),
    { field: 'spec.options.temperature', reason: 'FieldValueInvalid' }],
  ['a baseURL that is not a URL', llm({ provider: 'qwen', model: 'm', options: { baseURL: 'dashscope' } }),
    { field: 'spec.options.baseURL', reason: 'FieldValueInvalid' }],
  ['a secretRef without key', llm({ provider: 'openai', model: 'm', secretRef: { name: 'keys' } }),
    { field: 'spec.secretRef.key', reason: 'FieldValueRequired' }],
  ['a misspelt spec field', llm({ provider: 'mock', model: 'm', temprature: 1 }),
    { field: 'spec.temprature', reason: 'FieldValueInvalid' }],
  ['an agent without instructions', agent({ model: okModel }),
    { field: 'spec.instructions', reason: 'FieldValueRequired' }],
  ['an agent model with ref and provider', agent({ instructions: 'x', model: { ref: 'l', provider: 'mock', name: 'm' } }),
    { field: 'spec.model', reason: 'FieldValueInvalid' }],
  ['an agent model with a provider only', agent({ instructions: 'x', model: { provider: 'mock' } }),
    { field: 'spec.model.name', reason: 'FieldValueRequired' }],
  ['an empty agent model', agent({ instructions: 'x', model: {} }), { field: 'spec.model', reason: 'FieldValueRequired' }],
  ['an agent model ref of the wrong kind', agent({ instructions: 'x', model: { ref: 'tools/t' } }),
    { field: 'spec.model.ref', reason: 'FieldValueInvalid' }],
  ['an agent tool ref with a bad name', agent({ instructions: 'x', tools: [{ name: 't', refName: 'cooking.Recipe' }] }),
    { field: 'spec.tools[0].refName', reason: 'FieldValueInvalid' }],
  ['an agent tool without name', agent({ instructions: 'x', tools: [{ refName: 't' }] }),
    { field: 'spec.tools[0].name', reason: 'FieldValueRequired' }],
  ['lastMessages of zero', agent({ instructions: 'x', memory: { enabled: true, lastMessages: 0 } }),
    { field: 'spec.memory.lastMessages', reason: 'FieldValueInvalid' }],
  ['minReplicas above maxReplicas', agent({ instructions: 'x', scaling: { minReplicas: 3, maxReplicas: 2 } }),
    { field: 'spec.scaling.minReplicas', reason: 'FieldValueInvalid' }],
  ['no steps', workflow([]), { field: 'spec.steps', reason: 'FieldValueRequired' }],
  ['a step without id', workflow([{ agent: 'a' }]), { field: 'spec.steps[0].id', reason: 'FieldValueRequired' }],
  ['a step with neither agent nor tool', workflow([{ id: 'a' }]),
    { field: 'spec.steps[0]', reason: 'FieldValueRequired', message: 'Required value: set one of agent, tool, parallel, workflow, suspend' }],
  ['a step with agent and tool', workflow([{ id: 'a', agent: 'x', tool: 'y' }]),
    { field: 'spec.steps[0]', reason: 'FieldValueInvalid' }],
  ['a step agent that is a number', workflow([{ id: 'a', agent: 5 }]),
    { field: 'spec.steps[0].agent', reason: 'FieldValueTypeInvalid', message: 'must be string or object' }],
  ['a step agent object without name', workflow([{ id: 'a', agent: { namespace: 'cooking' } }]),
    { field: 'spec.steps[0].agent.name', reason: 'FieldValueRequired' }],
  ['a step next that is not a string', workflow([{ id: 'a', agent: 'x' }, { id: 'b', agent: 'x', next: 1 }]),
    { field: 'spec.steps[1].next', reason: 'FieldValueTypeInvalid' }],
  ['a bad timeout', workflow([{ id: 'a', agent: 'x', timeout: '30 seconds' }]),
    { field: 'spec.steps[0].timeout', reason: 'FieldValueInvalid', message: 'Invalid value: "30 seconds": must be a duration such as 500ms, 30s, 5m or 1h' }],
  ['retry maxAttempts of zero', workflow([{ id: 'a', agent: 'x', retry: { maxAttempts: 0 } }]),
    { field: 'spec.steps[0].retry.maxAttempts', reason: 'FieldValueInvalid' }],
  ['a branch without condition', workflow([{ id: 'a', agent: 'x', branches: [{ next: 'END' }] }]),
    { field: 'spec.steps[0].branches[0].condition', reason: 'FieldValueRequired' }],
  ['duplicate parallel ids', workflow([{ id: 'a', parallel: [{ id: 'p', agent: 'x' }, { id: 'p', tool: 'y' }] }]),
    { field: 'spec.steps[0].parallel[1].id', reason: 'FieldValueDuplicate' }],
  ['a tool without executor', tool({ description: 'd' }),
    { field: 'spec', reason: 'FieldValueRequired', message: 'Required value: exactly one executor must be set: http, mcp, builtin or script' }],
  ['a tool with two executors', tool({ builtin: 'current-time', script: { code: 'return 1' } }),
    { field: 'spec', reason: 'FieldValueInvalid', message: 'Invalid value: exactly one executor may be set, found builtin, script' }],
  ['an unknown builtin', tool({ builtin: 'teleport' }), { field: 'spec.builtin', reason: 'FieldValueNotSupported' }],
  ['an http tool with a bad method', tool({ http: { url: 'https://x.test/a', method: 'FETCH' } }),
    { field: 'spec.http.method', reason: 'FieldValueNotSupported' }],
  ['a header secretRef without key', tool({ http: { url: 'https://x.test/a', headers: { 'X-Api-Key': { secretRef: { name: 's' } } } } }),
    { field: 'spec.http.headers[X-Api-Key].secretRef.key', reason: 'FieldValueRequired' }],
  ['a header that is a number', tool({ http: { url: 'https://x.test/a', headers: { Accept: 1 } } }),
    { field: 'spec.http.headers.Accept', reason: 'FieldValueTypeInvalid', message: 'must be string or object' }],
  ['an mcp server with url and command', tool({ mcp: { server: { url: 'http://x.test/mcp', command: 'x' }, tool: 't' } }),
    { field: 'spec.mcp.server', reason: 'FieldValueInvalid' }],
  ['a script without code', tool({ script: { timeoutMs: 10 } }), { field: 'spec.script.code', reason: 'FieldValueRequired' }],
  ['a network without agents', network({ router: { model: okModel } }), { field: 'spec.agents', reason: 'FieldValueRequired' }],
  ['a network agent ref with a namespace/name', network({ agents: [{ name: 'a', ref: 'research/a' }], router: { model: okModel } }),
    { field: 'spec.agents[0].ref', reason: 'FieldValueInvalid' }],
  ['a router without model', network({ agents: [{ name: 'a' }], router: { maxSteps: 3 } }),
    { field: 'spec.router.model', reason: 'FieldValueRequired' }],
  ['a negative ttl', network({ agents: [{ name: 'a' }], router: { model: okModel }, state: { ttl: -1 } }),
    { field: 'spec.state.ttl', reason: 'FieldValueInvalid' }],
  ['a system child with a bad name',
    { apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's' }, spec: { agents: [{ name: 'Bad', spec: { instructions: 'x' } }] } },
    { field: 'spec.agents[0].name', reason: 'FieldValueInvalid' }],
  ['a system child with a bad spec',
    { apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's' }, spec: { llms: [{ name: 'l', spec: { provider: 'nope', model: 'm' } }] } },
    { field: 'spec.llms[0].spec.provider', reason: 'FieldValueNotSupported' }],
  ['a system workflow step with two calls',
    { apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's' }, spec: { workflows: [{ name: 'w', spec: { steps: [{ id: 'a', agent: 'x', tool: 'y' }] } }] } },
    { field: 'spec.workflows[0].spec.steps[0]', reason: 'FieldValueInvalid' }],
  ['duplicate system children',
    { apiVersion: 'mastra.ai/v1', kind: 'System', metadata: { name: 's' }, spec: { agents: [{ name: 'a', spec: { instructions: 'x' } }, { name: 'a', spec: { instructions: 'y' } }] } },
    { field: 'spec.agents[1].name', reason: 'FieldValueDuplicate' }],
  ['secret data that is not base64', secret({ data: { token: 'not base64!' } }),
    { field: 'data.token', reason: 'FieldValueInvalid', message: 'Invalid value: must be base64-encoded (use stringData for plain text)' }],
  ['a secret with a bad key', secret({ stringData: { 'a key': 'v' } }), { field: 'stringData', reason: 'FieldValueInvalid' }],
  ['a secret with a spec', secret({ spec: { a: 1 } }), { field: 'spec', reason: 'FieldValueInvalid' }],
];

describe('validateResource', () => {
  it.each(BAD_INPUTS)('rejects %s at the right field', (_, manifest, expected) => {
    // Given a manifest with one mistake
    // When it is validated
    const causes = validateResource(manifest);
    // Then a cause names the field and why
    expect(causes).toContainEqual(expect.objectContaining(expected));
  });

  it.each([
    ['an LLM on the mock provider', llm({ provider: 'mock', model: 'mock-1' })],
    ['an LLM with a key pool, secretRef, limits and fallbacks',
      llm({ provider: 'openai', model: 'gpt-4o', apiKeys: ['${K1}', '${K2}'], secretRef: { name: 'openai', key: 'api-key' },
        rateLimits: { requestsPerMinute: 60, tokensPerMinute: 100000 }, fallbacks: ['default.mock-llm'],
        options: { temperature: 0, vendorSpecific: { x: 1 } } })],
    ['a workflow with branches, parallel, retry and timeout', workflow([
      { id: 'classify', agent: 'triage', branches: [{ condition: 'output.category == "billing"', next: 'billing' }], next: 'END' },
      { id: 'billing', parallel: [{ id: 'lookup', tool: 'tools/invoice' }, { id: 'answer', agent: { name: 'biller' } }],
        retry: { maxAttempts: 3, initialIntervalMs: 100, backoffCoefficient: 2 }, timeout: '30s' },
    ])],
    ['an http tool with secret headers', tool({ description: 'd', inputSchema: { type: 'object' },
      http: { url: 'https://api.test/x', method: 'GET', headers: { Accept: 'application/json', Authorization: { secretRef: { name: 'api', key: 'token' } } } } })],
    ['an mcp tool over stdio', tool({ mcp: { server: { command: 'npx', args: ['-y', 'server'] }, tool: 'search' } })],
    ['a secret', secret({ type: 'Opaque', data: { token: 'c2VjcmV0' }, stringData: { other: 'plain text' } })],
    ['a secret echoing a redacted value (the store keeps the stored one)', secret({ data: { token: '<redacted>' } })],
    ['server-set metadata', llm({ provider: 'mock', model: 'm' }, {
      name: 'x', namespace: 'team-a', uid: 'u', resourceVersion: '7', generation: 2, creationTimestamp: '2024-01-01T00:00:00Z',
      finalizers: ['mastra.ai/cleanup'], labels: { 'app.kubernetes.io/name': 'x', empty: '' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      ownerReferences: [{ apiVersion: 'mastra.ai/v1', kind: 'System', name: 's', uid: 'u2', controller: true }] })],
  ])('accepts %s', (_, manifest) => {
    expect(validateResource(manifest)).toEqual([]);
  });

  it('never echoes an api key in a message', () => {
    // Given a manifest with a literal key where an environment reference belongs
    const causes = validateResource(llm({ provider: 'openai', model: 'gpt-4o', apiKey: 'sk-very-secret' }));
    // Then the cause explains the rule without the value
    expect(causes).toHaveLength(1);
    expect(causes[0].message).toContain('${OPENAI_API_KEY}');
    expect(JSON.stringify(causes)).not.toContain('sk-very-secret');
  });

  it('reports every problem at once', () => {
    const causes = validateResource({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'Bad' }, spec: { provider: 'x' } });
    expect(causes.map((c) => c.field).sort()).toEqual(['metadata.name', 'spec.model', 'spec.provider']);
  });

  it.each([null, 'text', [1], 42])('rejects a body that is not an object (%p)', (body) => {
    expect(validateResource(body)).toEqual([expect.objectContaining({ reason: 'FieldValueTypeInvalid' })]);
  });

  it('reports a schema used at many places once per place, without echoes from other checks', () => {
    // Given two steps whose agent is wrong in two different ways
    const manifest = workflow([{ id: 'a', agent: { namespace: 'cooking' } }, { id: 'b', agent: 5 }]);
    // When it is validated
    const causes = validateResource(manifest);
    // Then each step gets exactly its own cause
    expect(causes).toEqual([
      { reason: 'FieldValueTypeInvalid', field: 'spec.steps[1].agent', message: 'must be string or object' },
      { reason: 'FieldValueRequired', field: 'spec.steps[0].agent.name', message: 'Required value' },
    ]);
  });

  it('hints at the right kind name', () => {
    const [cause] = validateResource({ apiVersion: 'mastra.ai/v1', kind: 'agents', metadata: { name: 'x' }, spec: {} });
    expect(cause.message).toContain('did you mean "Agent"?');
  });
});
