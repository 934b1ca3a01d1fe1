import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExampleManifests, ManifestError } from './example-manifests';

describe('loadExampleManifests', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-examples-'));
    fs.mkdirSync(path.join(root, 'examples', 'providers'), { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function write(file: string, text: string): void {
    fs.writeFileSync(path.join(root, 'examples', file), text);
  }

  it('reads every document, CRDs and Secrets first, providers marked as not waited for', () => {
    // Given examples across files, one with several documents
    write('agents.yaml', 'kind: Agent\nmetadata: {name: a1, namespace: team}\nspec: {}\n---\nkind: Secret\nmetadata: {name: s}\n---\n');
    write('crd.yml', 'kind: CustomResourceDefinition\nmetadata: {name: widgets.mastra.ai}\n');
    write('providers/openai.yaml', 'kind: LLM\nmetadata: {name: gpt}\nspec: {provider: openai}\n');
    write('notes.txt', 'not yaml');

    // When loaded
    const manifests = loadExampleManifests(path.join(root, 'examples'));

    // Then order, namespaces and the providers flag follow the rules
    expect(manifests.map((m) => `${m.kind}/${m.namespace}/${m.name}/${m.waitForReady}`)).toEqual([
      'CustomResourceDefinition/default/widgets.mastra.ai/true',
      'Secret/default/s/true',
      'Agent/team/a1/true',
      'LLM/default/gpt/false',
    ]);
    expect(manifests[2].yaml).toContain('kind: Agent');
    expect(manifests[2].yaml).not.toContain('Secret');
    expect(manifests[3].file).toBe(path.join('examples', 'providers', 'openai.yaml'));
  });

  it('names the file of a document without kind or name, and of broken YAML', () => {
    write('bad.yaml', 'metadata: {name: x}\n');
    expect(() => loadExampleManifests(path.join(root, 'examples'))).toThrow(ManifestError);
    expect(() => loadExampleManifests(path.join(root, 'examples'))).toThrow(/bad\.yaml: every document needs kind/);

    write('bad.yaml', 'kind: [unclosed\n');
    expect(() => loadExampleManifests(path.join(root, 'examples'))).toThrow(/bad\.yaml/);
  });

  it('returns nothing when there is no examples directory', () => {
    expect(loadExampleManifests(path.join(root, 'missing'))).toEqual([]);
  });
});
