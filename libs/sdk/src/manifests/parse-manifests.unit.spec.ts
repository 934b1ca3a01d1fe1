import { ManifestSyntaxError } from '../errors/kastra-errors';
import { parseManifests } from './parse-manifests';

describe('reading manifests from a YAML text', () => {
  it('reads every document in order, skips empty ones and unpacks a List', () => {
    const text = [
      'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: a}\nspec: {provider: mock, model: m}',
      '',
      '# only a comment',
      'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: mastra.ai/v1, kind: Tool, metadata: {name: b}}\n  - {apiVersion: mastra.ai/v1, kind: Tool, metadata: {name: c}}',
    ].join('\n---\n');
    expect(parseManifests(text).map((m) => m.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('reads JSON as well', () => {
    expect(parseManifests('{"apiVersion": "mastra.ai/v1", "kind": "LLM", "metadata": {"name": "j"}}')[0].metadata.name).toBe('j');
  });

  it('names the document that is not YAML, and the file it came from', () => {
    const error = (() => {
      try {
        parseManifests('kind: LLM\n---\nkind: [unclosed\n', 'manifests/llms.yaml');
      } catch (e) {
        return e as ManifestSyntaxError;
      }
    })();
    expect(error).toBeInstanceOf(ManifestSyntaxError);
    expect(error).toMatchObject({ code: 400, source: 'manifests/llms.yaml', message: expect.stringMatching(/^manifests\/llms\.yaml: document 2: not valid YAML/) });
  });

  it('refuses a document that is not a mapping, duplicate keys, and a YAML alias bomb', () => {
    expect(() => parseManifests('- a\n- b\n')).toThrow(/must be a mapping/);
    expect(() => parseManifests('kind: LLM\nkind: Tool\n')).toThrow(ManifestSyntaxError);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(() => parseManifests(bomb)).toThrow(/not acceptable YAML/);
  });

  it('refuses nesting deeper than the gateway accepts', () => {
    expect(() => parseManifests(`spec: ${'['.repeat(150)}${']'.repeat(150)}`)).toThrow(/more than 100 levels/);
  });
});
