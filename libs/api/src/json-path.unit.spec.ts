import { evaluateJsonPath, JsonPathSyntaxError, queryJsonPath } from './json-path';

const llm = {
  metadata: { name: 'm', labels: { 'app.kubernetes.io/name': 'kastra' }, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { provider: 'mock', model: 'mock-1', model2: { ref: 'default.x' }, tools: [{ name: 'a' }, { name: 'b' }] },
  status: {
    conditions: [
      { type: 'Accepted', status: 'True' },
      { type: 'Ready', status: 'False', observedGeneration: 2 },
    ],
  },
};

describe('evaluateJsonPath', () => {
  it.each([
    ['.spec.provider', 'mock'],
    ['{.spec.model}', 'mock-1'],
    ['$.spec.model', 'mock-1'],
    ['.spec.tools[0].name', 'a'],
    ['.spec.tools[-1].name', 'b'],
    ['.spec.tools[*].name', 'a,b'],
    ['.spec.model2.*', 'default.x'],
    ['.status.conditions[?(@.type=="Ready")].status', 'False'],
    [".status.conditions[?(@.type=='Accepted')].status", 'True'],
    ['.status.conditions[?(@.type!="Ready")].type', 'Accepted'],
    ['.status.conditions[?(@.observedGeneration)].type', 'Ready'],
    ['.status.conditions[?(@.observedGeneration==2)].type', 'Ready'],
    [".metadata.labels['app.kubernetes.io/name']", 'kastra'],
    ['.spec.tools[0]', '{"name":"a"}'],
    ['.spec.missing', ''],
    ['.spec.tools[5].name', ''],
    ['.spec.provider.deeper', ''],
  ])('%s → %p', (path, expected) => {
    expect(evaluateJsonPath(llm, path)).toBe(expected);
  });

  it('is empty when there are no conditions yet (kubectl shows <none>)', () => {
    expect(evaluateJsonPath({ metadata: {} }, '.status.conditions[?(@.type=="Ready")].status')).toBe('');
  });

  it('returns raw values from queryJsonPath', () => {
    expect(queryJsonPath(llm, '.status.conditions[*].observedGeneration')).toEqual([2]);
  });

  it.each(['spec', '.spec..x', '.spec[', '.a[?(@.x ~= 1)]', '.a[1:2]'])('rejects the unsupported path %p', (path) => {
    expect(() => evaluateJsonPath(llm, path)).toThrow(JsonPathSyntaxError);
  });
});
