import { findKindByName } from './kind-registry';
import { InvalidReferenceError, formatReference, parseReference } from './references';
import type { Resource } from './resource';

const opts = { defaultNamespace: 'cooking', kind: 'Agent' };

describe('parseReference', () => {
  it.each([
    ['name', 'greeter', { namespace: 'cooking', name: 'greeter' }],
    ['namespace.name', 'default.greeter', { namespace: 'default', name: 'greeter' }],
    ['plural/name', 'agents/greeter', { namespace: 'cooking', name: 'greeter' }],
    ['Kind/name', 'Agent/greeter', { namespace: 'cooking', name: 'greeter' }],
    ['short/namespace.name', 'ag/support.greeter', { namespace: 'support', name: 'greeter' }],
    ['{name}', { name: 'greeter' }, { namespace: 'cooking', name: 'greeter' }],
    ['{name, namespace}', { name: 'greeter', namespace: 'default' }, { namespace: 'default', name: 'greeter' }],
  ])('accepts %s', (_, ref, expected) => {
    expect(parseReference(ref, opts)).toEqual({ kind: 'Agent', ...expected });
  });

  it.each([
    ['namespace/name (ambiguous with plural/name)', 'support/greeter', 'is not a kind'],
    ['a prefix of another kind', 'tools/greeter', 'must refer to a Agent, not a Tool'],
    ['an upper-case name', 'Greeter', 'is not a DNS-1123 label'],
    ['an empty name after the namespace', 'default.', 'is not a DNS-1123 label'],
    ['two dots', 'a.b.c', 'is not a DNS-1123 label'],
    ['an object without name', { namespace: 'x' }, 'name is required'],
    ['a number', 7, 'must be a string'],
  ])('rejects %s', (_, ref, problem) => {
    expect(() => parseReference(ref, opts)).toThrow(InvalidReferenceError);
    expect(() => parseReference(ref, opts)).toThrow(problem);
  });

  it('formats a key as namespace.name, which parses back', () => {
    const key = { kind: 'Agent', namespace: 'default', name: 'greeter' };
    expect(parseReference(formatReference(key), opts)).toEqual(key);
  });
});

describe('references of each kind', () => {
  const referencesOf = (resource: Resource) => findKindByName(resource.kind)!.references(resource);
  const meta = { name: 'x', namespace: 'team' };

  it('LLM → its Secret and its fallbacks', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: meta,
        spec: { provider: 'openai', model: 'm', secretRef: { name: 'openai', key: 'k' }, fallbacks: ['default.mock-llm'] } }),
    ).toEqual([
      { kind: 'Secret', namespace: 'team', name: 'openai', field: 'spec.secretRef' },
      { kind: 'LLM', namespace: 'default', name: 'mock-llm', field: 'spec.fallbacks[0]' },
    ]);
  });

  it('Tool → the Secrets of its headers', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: meta,
        spec: { http: { url: 'https://x.test', headers: { Accept: 'text/plain', 'X-Api-Key': { secretRef: { name: 'api', key: 'token' } } } } } }),
    ).toEqual([{ kind: 'Secret', namespace: 'team', name: 'api', field: 'spec.http.headers[X-Api-Key].secretRef' }]);
  });

  it('Agent → its LLM and its Tools (refName, else name)', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: meta,
        spec: { instructions: 'i', model: { ref: 'llms/mock-llm' }, tools: [{ name: 'clock', refName: 'default.clock' }, { name: 'search' }] } }),
    ).toEqual([
      { kind: 'LLM', namespace: 'team', name: 'mock-llm', field: 'spec.model.ref' },
      { kind: 'Tool', namespace: 'default', name: 'clock', field: 'spec.tools[0].refName' },
      { kind: 'Tool', namespace: 'team', name: 'search', field: 'spec.tools[1].name' },
    ]);
  });

  it('Agent with an inline model refers to no LLM', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: meta, spec: { instructions: 'i', model: { provider: 'mock', name: 'm' } } }),
    ).toEqual([]);
  });

  it('Workflow → the Agents and Tools of its steps and parallel branches', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: meta,
        spec: { steps: [{ id: 'a', agent: 'writer' }, { id: 'b', parallel: [{ id: 'p', tool: { name: 'clock', namespace: 'default' } }] }] } }),
    ).toEqual([
      { kind: 'Agent', namespace: 'team', name: 'writer', field: 'spec.steps[0].agent' },
      { kind: 'Tool', namespace: 'default', name: 'clock', field: 'spec.steps[1].parallel[0].tool' },
    ]);
  });

  it('Network → its Agents (ref, else name) and its router LLM', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'Network', metadata: meta,
        spec: { agents: [{ name: 'greeter', ref: 'agents/greeter' }, { name: 'billing' }], router: { model: { ref: 'default.mock-llm' } } } }),
    ).toEqual([
      { kind: 'Agent', namespace: 'team', name: 'greeter', field: 'spec.agents[0].ref' },
      { kind: 'Agent', namespace: 'team', name: 'billing', field: 'spec.agents[1].name' },
      { kind: 'LLM', namespace: 'default', name: 'mock-llm', field: 'spec.router.model.ref' },
    ]);
  });

  it('System → only what its children need from outside it', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'System', metadata: meta,
        spec: {
          agents: [{ name: 'support', spec: { instructions: 'i', model: { ref: 'default.mock-llm' }, tools: [{ name: 'clock' }] } }],
          tools: [{ name: 'clock', spec: { builtin: 'current-time' } }],
          workflows: [{ name: 'flow', spec: { steps: [{ id: 'a', agent: 'support' }, { id: 'b', agent: 'outsider' }] } }],
        } }),
    ).toEqual([
      { kind: 'LLM', namespace: 'default', name: 'mock-llm', field: 'spec.agents[0].spec.model.ref' },
      { kind: 'Agent', namespace: 'team', name: 'outsider', field: 'spec.workflows[0].spec.steps[1].agent' },
    ]);
  });

  it('skips references whose syntax is invalid (validation reports them) and defaults the namespace', () => {
    expect(
      referencesOf({ apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'x' },
        spec: { instructions: 'i', model: { ref: 'Bad Name' }, tools: [{ name: 'ok' }] } }),
    ).toEqual([{ kind: 'Tool', namespace: 'default', name: 'ok', field: 'spec.tools[0].name' }]);
  });
});
