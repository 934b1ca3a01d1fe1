import { BadRequestError, UnsupportedMediaTypeError } from '@kastra/api';
import { bodyFormatOf, parseObjectBody } from './parse-manifest';

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
});
