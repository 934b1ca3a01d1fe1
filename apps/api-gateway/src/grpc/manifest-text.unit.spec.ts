import { BadRequestError, RequestEntityTooLargeError } from '@kastra/api';
import { toGrpcStatus } from '../errors/api-error-status';
import { parseManifestText } from './manifest-text';

const LLM = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: m\nspec:\n  provider: mock\n  model: mock-1\n';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('parseManifestText', () => {
  it('reads one resource written as YAML or JSON', () => {
    expect(parseManifestText(LLM)).toEqual(parseManifestText(JSON.stringify(parseManifestText(LLM))));
  });

  it('answers a YAML alias bomb with INVALID_ARGUMENT, not INTERNAL', () => {
    // Given a "billion laughs" manifest: nine levels of nine aliases each
    const names = 'abcdefghi'.split('');
    const bomb = `${LLM}${['a: &a [x, x, x, x, x, x, x, x, x]', ...names.slice(1).map((name, i) => `${name}: &${name} [${Array(9).fill(`*${names[i]}`).join(', ')}]`)].map((line) => `  ${line}`).join('\n')}\n`;
    // When it is parsed
    const error = thrown(() => parseManifestText(bomb));
    // Then it is a client error (gRPC code 3), not an unexpected one
    expect(error).toBeInstanceOf(BadRequestError);
    expect(toGrpcStatus(error).code).toBe(3);
  });

  it('refuses manifests nesting deeper than 100 levels, flow or block, and larger than 3 MiB', () => {
    // Given a manifest with 5,000 levels of flow nesting, one with 150 levels of blocks, one of 4 MB
    const flow = `${LLM}  extra: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const block = `${LLM}${Array.from({ length: 150 }, (_, level) => `${'  '.repeat(level + 1)}k:`).join('\n')} 1\n`;
    const huge = `${LLM}  extra: "${'x'.repeat(4 * 1024 * 1024)}"\n`;
    // Then the deep ones are 400s naming the limit and the large one 413
    expect(() => parseManifestText(flow)).toThrow(/more than 100 levels deep/);
    expect(() => parseManifestText(block)).toThrow(/more than 100 levels deep/);
    expect(thrown(() => parseManifestText(huge))).toBeInstanceOf(RequestEntityTooLargeError);
  });
});
