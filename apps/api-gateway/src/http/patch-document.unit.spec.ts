import { BadRequestError, UnsupportedMediaTypeError, type Resource } from '@kastra/api';
import { applyPatchBody, patchTypeOf, withoutStrategicDirectives } from './patch-document';

const llm = (): Resource => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name: 'my-llm', namespace: 'default', labels: { a: '1', b: '2' }, resourceVersion: '7' },
  spec: { provider: 'mock', model: 'm1', fallbacks: ['x', 'y'] },
});
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('patch documents', () => {
  it('maps the four Kubernetes patch content types and refuses others with 415', () => {
    expect(patchTypeOf('application/merge-patch+json')).toBe('merge');
    expect(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8')).toBe('strategic');
    expect(patchTypeOf('application/json-patch+json')).toBe('json');
    expect(patchTypeOf('application/apply-patch+yaml')).toBe('apply');
    expect(() => patchTypeOf('application/json')).toThrow(UnsupportedMediaTypeError);
    expect(() => patchTypeOf(undefined)).toThrow(UnsupportedMediaTypeError);
  });

  it('applies a merge patch without touching the current object: null removes, lists are replaced', () => {
    // Given an object
    const current = llm();
    // When a merge patch removes a label, adds one and replaces a list
    const patched = applyPatchBody(current, 'merge', body({ metadata: { labels: { a: null, c: '3' } }, spec: { fallbacks: ['z'] } }), 'application/merge-patch+json');
    // Then
    expect(patched.metadata.labels).toEqual({ b: '2', c: '3' });
    expect(patched.spec).toEqual({ provider: 'mock', model: 'm1', fallbacks: ['z'] });
    expect(current.metadata.labels).toEqual({ a: '1', b: '2' });
  });

  it('reads a strategic merge patch as a merge patch without its $-directives', () => {
    const patch = {
      metadata: { labels: { c: '3' }, $setElementOrder: [{ name: 'c' }] },
      spec: { $retainKeys: ['model'], model: 'm2', options: { $patch: 'delete' } },
      '$setElementOrder/fallbacks': ['y'],
    };
    expect(withoutStrategicDirectives(patch)).toEqual({ metadata: { labels: { c: '3' } }, spec: { model: 'm2', options: null } });
    const patched = applyPatchBody(llm(), 'strategic', body(patch), 'application/strategic-merge-patch+json');
    expect(patched.spec).toEqual({ provider: 'mock', model: 'm2', fallbacks: ['x', 'y'] });
    expect(patched.metadata.labels).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('applies RFC 6902 JSON patches, with a 400 when an operation fails', () => {
    const patched = applyPatchBody(
      llm(),
      'json',
      body([
        { op: 'test', path: '/spec/model', value: 'm1' },
        { op: 'replace', path: '/spec/model', value: 'm3' },
        { op: 'add', path: '/spec/fallbacks/-', value: 'z' },
        { op: 'remove', path: '/metadata/labels/a' },
      ]),
      'application/json-patch+json',
    );
    expect(patched.spec).toEqual({ provider: 'mock', model: 'm3', fallbacks: ['x', 'y', 'z'] });
    expect(patched.metadata.labels).toEqual({ b: '2' });
    expect(() => applyPatchBody(llm(), 'json', body([{ op: 'test', path: '/spec/model', value: 'other' }]), 'application/json-patch+json')).toThrow(BadRequestError);
    expect(() => applyPatchBody(llm(), 'json', body([{ op: 'remove', path: '/spec/missing/deep' }]), 'application/json-patch+json')).toThrow(BadRequestError);
    expect(() => applyPatchBody(llm(), 'json', body({ op: 'add' }), 'application/json-patch+json')).toThrow(/array of operations/);
  });

  it('refuses malformed and non-object merge patches with 400', () => {
    expect(() => applyPatchBody(llm(), 'merge', Buffer.from('{"spec":'), 'application/merge-patch+json')).toThrow(/not valid JSON/);
    expect(() => applyPatchBody(llm(), 'merge', body(['a']), 'application/merge-patch+json')).toThrow(BadRequestError);
  });

  it('refuses a JSON patch whose operations, each shallow enough, build an object over 100 levels deep', () => {
    // Given 30 operations, each putting 10 more levels where the previous one ended
    const nested = (depth: number): unknown => (depth === 0 ? 1 : { n: nested(depth - 1) });
    const operations = Array.from({ length: 30 }, (_, index) => ({
      op: index === 0 ? 'add' : 'replace',
      path: `/spec/deep${'/n'.repeat(index * 10)}`,
      value: nested(10),
    }));
    // When the patch is applied
    const apply = () => applyPatchBody(llm(), 'json', body(operations), 'application/json-patch+json');
    // Then it is a 400 naming the depth
    expect(apply).toThrow(BadRequestError);
    expect(apply).toThrow(/patched object nests objects and arrays more than 100 levels deep/);
  });
});
