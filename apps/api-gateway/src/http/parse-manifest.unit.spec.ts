import { BadRequestError, UnsupportedMediaTypeError } from '@kastra/api';
import { bodyFormatOf, parseBody, parseObjectBody } from './parse-manifest';

describe('request bodies', () => {
  it('reads JSON and YAML by content type, JSON when none is given', () => {
    expect(bodyFormatOf('application/json; charset=utf-8')).toBe('json');
    expect(bodyFormatOf(undefined)).toBe('json');
    expect(bodyFormatOf('application/yaml')).toBe('yaml');
    expect(bodyFormatOf('application/apply-patch+yaml')).toBe('yaml');
    expect(() => bodyFormatOf('text/plain')).toThrow(UnsupportedMediaTypeError);
  });

  it('parses a YAML manifest and a JSON one to the same object', () => {
    const yaml = parseObjectBody(Buffer.from('apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: x\n'), 'application/yaml');
    const json = parseObjectBody(Buffer.from('{"apiVersion":"mastra.ai/v1","kind":"LLM","metadata":{"name":"x"}}'), 'application/json');
    expect(yaml).toEqual(json);
  });

  it('answers malformed input with a 400 carrying the parser message', () => {
    const malformed = () => parseObjectBody(Buffer.from('kind: [LLM\n'), 'application/yaml');
    expect(malformed).toThrow(BadRequestError);
    expect(malformed).toThrow(/not valid YAML: .+/);
    expect(() => parseObjectBody(Buffer.from('{"kind":'), 'application/json')).toThrow(/not valid JSON: .+/);
    expect(() => parseObjectBody(Buffer.from('a: 1\n---\nb: 2\n'), 'application/yaml')).toThrow(BadRequestError);
    expect(() => parseObjectBody(Buffer.from('[1]'), 'application/json')).toThrow(/must be an object/);
    expect(() => parseObjectBody(Buffer.from('  '), 'application/json')).toThrow(/empty/);
  });

  it('refuses a body nesting deeper than 100 levels with a 400, JSON or YAML, flow or block', () => {
    // Given bodies 2,000 levels deep (JSON, YAML flow, as a patch) and 150 levels of YAML blocks
    const deepJson = `{"spec":${'['.repeat(2000)}${']'.repeat(2000)}}`;
    const deepFlow = `spec: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}`;
    const deepBlock = Array.from({ length: 150 }, (_, level) => `${'  '.repeat(level)}k:`).join('\n') + ' 1';
    // When each is parsed, Then each is a BadRequestError naming the depth limit
    for (const [text, type] of [[deepJson, 'application/json'], [deepJson, 'application/merge-patch+json'], [deepFlow, 'application/yaml'], [deepBlock, 'application/apply-patch+yaml']]) {
      const parse = () => parseBody(Buffer.from(text), type);
      expect(parse).toThrow(BadRequestError);
      expect(parse).toThrow(/more than 100 levels deep/);
    }
    // And 100 levels are still fine
    expect(parseBody(Buffer.from(`${'['.repeat(100)}${']'.repeat(100)}`), 'application/json')).toBeInstanceOf(Array);
  });

  it('refuses a YAML alias bomb and an alias that contains itself with a 400', () => {
    // Given a "billion laughs" document and an anchor whose alias sits inside it
    const levels = 'abcdefgh'.split('');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...levels.slice(1).map((name, i) => `${name}: &${name} [${Array(9).fill(`*${levels[i]}`).join(', ')}]`)].join('\n');
    const selfContaining = 'spec: &loop\n  again: *loop\n';
    // Then neither is expanded: both are BadRequestErrors
    expect(() => parseBody(Buffer.from(bomb), 'application/yaml')).toThrow(BadRequestError);
    expect(() => parseBody(Buffer.from(selfContaining), 'application/yaml')).toThrow(/more than 100 levels deep/);
  });
});
