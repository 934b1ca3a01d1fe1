import { parseAllDocuments } from 'yaml';
import { validateResource } from '@kastra/api';
import { LlmCatalog, applyEdits, upgradeManifestText, type FileUpgrade } from './migrate-manifests';

const upgrade = (text: string, options = {}, catalog = new LlmCatalog()): FileUpgrade => upgradeManifestText(text, 'm.yaml', catalog, options);
const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS());
const rules = (result: FileUpgrade) => result.documents.flatMap((d) => d.changes.map((c) => `${c.rule} ${c.field}`));

const v1alpha1Agent = `# An agent as v1alpha1 manifests were written
apiVersion: mastra.ai/v1alpha1   # old version
kind: Agent
metadata:
  name: recipe-assistant
  namespace: cooking
spec:
  instructions: "Help with recipes."
  model:
    provider: openai   # inline
    name: gpt-4-turbo
  tools:
    - name: recipe-finder
      refName: cooking.recipe-finder
`;

describe('kastra migrate manifests: the upgrade rules', () => {
  it('apiVersion mastra.ai/v1alpha1 becomes mastra.ai/v1, comments and layout kept byte for byte', () => {
    const result = upgrade(v1alpha1Agent);
    expect(result.after).toBe(v1alpha1Agent.replace('mastra.ai/v1alpha1   # old', 'mastra.ai/v1   # old'));
    expect(rules(result)).toEqual(['api-version apiVersion']);
    expect(result.documents[0].causes).toEqual([]);
  });

  it("an Agent's tools keep refName (the current key); ref there is renamed refName", () => {
    const text = v1alpha1Agent.replace('refName: cooking', 'ref: cooking');
    expect(validateResource(docs(text)[0]).map((c) => c.field)).toContain('spec.tools[0].ref');
    const result = upgrade(text);
    expect(result.after).toContain('      refName: cooking.recipe-finder\n');
    expect(rules(result)).toEqual(['api-version apiVersion', 'reference-key spec.tools[0].ref']);
    expect(result.documents[0].causes).toEqual([]);
  });

  it('refName becomes ref in model selectors and Network members, flow style kept', () => {
    const text = `apiVersion: mastra.ai/v1
kind: Network
metadata: {name: research, namespace: cooking}
spec:
  agents:
    - {name: search, refName: cooking.search}
  workflows:
    - name: report
      refName: report   # the workflow
  router:
    model: {refName: cooking.router-llm}
`;
    const result = upgrade(text);
    expect(result.after).toBe(
      text.replace('{name: search, refName: cooking.search}', '{name: search, ref: cooking.search}').replace('refName: report', 'ref: report').replace('{refName: cooking.router-llm}', '{ref: cooking.router-llm}'),
    );
    expect(rules(result)).toEqual(['reference-key spec.router.model.refName', 'reference-key spec.agents[0].refName', 'reference-key spec.workflows[0].refName']);
    expect(result.documents[0].causes).toEqual([]);
  });

  it('quoted values and keys keep their quotes', () => {
    const text = `"apiVersion": "mastra.ai/v1alpha1"\nkind: Agent\nmetadata: {name: a}\nspec:\n  instructions: x\n  model: {'refName': 'l'}\n`;
    expect(upgrade(text).after).toBe(`"apiVersion": "mastra.ai/v1"\nkind: Agent\nmetadata: {name: a}\nspec:\n  instructions: x\n  model: {'ref': 'l'}\n`);
  });

  it('an inline model written {provider, model} becomes {provider, name}', () => {
    const text = v1alpha1Agent.replace('name: gpt-4-turbo', 'model: gpt-4-turbo');
    const result = upgrade(text);
    expect(result.after).toContain('    provider: openai   # inline\n    name: gpt-4-turbo\n');
    expect(rules(result)).toContain('inline-model-key spec.model.model');
    expect(result.documents[0].causes).toEqual([]);
  });

  it('an inline model {provider, name} is current: kept, with a note, unless --extract-llms', () => {
    const kept = upgrade(v1alpha1Agent);
    expect(kept.after).toContain('    provider: openai   # inline\n');
    expect(kept.documents[0].notes).toEqual([expect.stringContaining('inline model openai/gpt-4-turbo is current and kept')]);
  });

  it('--extract-llms: an inline model becomes an LLM in the same namespace (appended) and a ref', () => {
    const result = upgrade(v1alpha1Agent, { extractLlms: true });
    const [agent, llm] = docs(result.after);
    expect(agent.spec.model).toEqual({ ref: 'openai-gpt-4-turbo' });
    expect(result.after).toContain('  model:\n    ref: openai-gpt-4-turbo\n  tools:\n');
    expect(llm).toMatchObject({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'openai-gpt-4-turbo', namespace: 'cooking' }, spec: { provider: 'openai', model: 'gpt-4-turbo', apiKey: '${OPENAI_API_KEY}' } });
    expect(result.extracted).toEqual(['openai-gpt-4-turbo']);
    expect(result.documents.map((d) => d.causes)).toEqual([[], []]);
  });

  it('--extract-llms on an inline model written {provider, model}: the whole selector becomes the ref', () => {
    const result = upgrade(v1alpha1Agent.replace('name: gpt-4-turbo', 'model: gpt-4-turbo'), { extractLlms: true });
    expect(result.after).toContain('  model:\n    ref: openai-gpt-4-turbo\n  tools:\n');
    expect(rules(result)).toEqual(['api-version apiVersion', 'inline-model-key spec.model.model', 'extract-llm spec.model']);
    expect(result.documents.map((d) => d.causes)).toEqual([[], []]);
  });

  it('--extract-llms reuses an LLM already declared for the same provider and model, and flow selectors stay flow', () => {
    const catalog = new LlmCatalog();
    const existing = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: gpt, namespace: cooking}\nspec: {provider: openai, model: gpt-4o}\n';
    catalog.addExisting(existing);
    const network = `apiVersion: mastra.ai/v1
kind: Network
metadata: {name: n, namespace: cooking}
spec:
  agents: [{name: a}]
  router: {model: {provider: openai, name: gpt-4o}}
`;
    const result = upgrade(network, { extractLlms: true }, catalog);
    expect(result.after).toBe(network.replace('{provider: openai, name: gpt-4o}', '{ ref: gpt }'));
    expect(result.extracted).toEqual([]);
  });

  it('System children follow their kind: an embedded Agent spec is upgraded too', () => {
    const text = `apiVersion: mastra.ai/v1alpha1
kind: System
metadata: {name: support}
spec:
  agents:
    - name: support-agent
      spec:
        instructions: "Support."
        model: {refName: my-llm}
`;
    const result = upgrade(text);
    expect(rules(result)).toEqual(['api-version apiVersion', 'reference-key spec.agents[0].spec.model.refName']);
    expect(result.documents[0].causes).toEqual([]);
  });

  it('what cannot be upgraded is reported: a kind Kastra does not serve, both keys at once (and what the schema still refuses)', () => {
    const text = `apiVersion: mastra.ai/v1alpha1
kind: CustomResourceDefinition
metadata: {name: datasources.mastra.ai}
---
apiVersion: mastra.ai/v1alpha1
kind: Agent
metadata: {name: a}
spec:
  instructions: x
  model: {ref: l, refName: l}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
`;
    const result = upgrade(text);
    const [crd, agent, configMap] = result.documents;
    expect(crd.notes).toEqual([expect.stringContaining('kind CustomResourceDefinition of mastra.ai/v1alpha1 is not a kind Kastra serves')]);
    // CustomResourceDefinition is validated in this shape too: this one has no spec.
    expect(crd.causes.map((c) => c.field)).toContain('spec');
    expect(agent.notes).toEqual([expect.stringContaining('spec.model has both refName and ref')]);
    expect(agent.causes.map((c) => c.field)).toEqual(['spec.model.refName']);
    expect(configMap.notes).toEqual(['not a Kastra manifest: left as is']);
    expect(configMap.causes).toEqual([]);
    expect(result.after.startsWith('apiVersion: mastra.ai/v1alpha1\nkind: CustomResourceDefinition')).toBe(true);
  });

  it('a current manifest is left exactly as it is; a file that is not YAML is reported and untouched', () => {
    const current = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: x\nspec:\n  provider: mock\n  model: m\n';
    const result = upgrade(current);
    expect(result.after).toBe(current);
    expect(rules(result)).toEqual([]);
    const broken = upgrade('a: [1, 2\nb: }');
    expect(broken.error).toContain('not valid YAML');
    expect(broken.after).toBe(broken.before);
  });

  it('applyEdits refuses overlapping edits rather than corrupting the text', () => {
    expect(applyEdits('abcdef', [{ start: 1, end: 3, text: 'X' }, { start: 4, end: 5, text: 'Y' }])).toBe('aXdYf');
    expect(() => applyEdits('abcdef', [{ start: 1, end: 4, text: 'X' }, { start: 3, end: 5, text: 'Y' }])).toThrow('overlapping');
  });
});
