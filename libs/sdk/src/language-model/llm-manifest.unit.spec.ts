import { languageModelOf, yamlToMastraLLM } from './yaml-to-mastra-llm';
import { ValidationError } from './validation-error';

const LITERAL_KEY = ['sk', 'literal', 'z'.repeat(12)].join('-');

async function validationErrorOf(yaml: string): Promise<ValidationError> {
  const error = await yamlToMastraLLM(yaml).catch((e: unknown) => e);
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error;
}

describe('LLM manifests are validated as the API server validates them', () => {
  it('names a missing required field', async () => {
    // Given an LLM without spec.model
    const error = await validationErrorOf('apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: broken}\nspec: {provider: openai}\n');

    // Then the error is the gateway's 422 naming the field
    expect(error.httpStatus).toBe(422);
    expect(error.causes).toEqual([expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.model' })]);
    expect(error.message).toBe('llms.mastra.ai "broken" is invalid: spec.model: Required value');
  });

  it('names an unknown provider with the supported ones', async () => {
    const error = await validationErrorOf('apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: x}\nspec: {provider: openia, model: gpt-4o}\n');
    expect(error.causes[0]).toMatchObject({ reason: 'FieldValueNotSupported', field: 'spec.provider' });
    expect(error.causes[0].message).toContain('"openai"');
  });

  it('refuses a literal key without echoing it', async () => {
    // Given a key written into the manifest instead of an environment reference
    const error = await validationErrorOf(`apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: x}\nspec: {provider: openai, model: gpt-4o, apiKey: ${LITERAL_KEY}}\n`);

    // Then spec.apiKey is named, and the key appears nowhere in the error
    expect(error.causes[0]).toMatchObject({ field: 'spec.apiKey' });
    expect(error.message).toContain('put literal keys in a Secret');
    expect(JSON.stringify({ message: error.message, causes: error.causes })).not.toContain(LITERAL_KEY);
  });

  it('names metadata and unknown spec fields', async () => {
    const error = await validationErrorOf('apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: Not_A_Name}\nspec: {provider: mock, model: m, temprature: 1}\n');
    expect(error.causes.map((c) => c.field).sort()).toEqual(['metadata.name', 'spec.temprature']);
  });

  it('refuses another kind, several documents and broken YAML', async () => {
    expect((await validationErrorOf('apiVersion: mastra.ai/v1\nkind: Agent\nmetadata: {name: a}\nspec: {}\n')).causes[0]).toMatchObject({ field: 'kind' });
    const two = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: a}\nspec: {provider: mock, model: m}\n---\napiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: b}\nspec: {provider: mock, model: m}\n';
    expect((await validationErrorOf(two)).message).toContain('holds 2 documents');
    expect((await validationErrorOf('kind: LLM\n  metadata: [\n')).message).toContain('not valid YAML');
    expect((await validationErrorOf('# nothing\n')).message).toContain('holds no manifest');
  });

  it('validates resources given as objects too (languageModelOf)', () => {
    expect(() => languageModelOf({ apiVersion: 'mastra.ai/v2', kind: 'LLM', metadata: { name: 'x' }, spec: { provider: 'mock', model: 'm' } })).toThrow(
      expect.objectContaining({ name: 'ValidationError', causes: [expect.objectContaining({ field: 'apiVersion' })] }),
    );
    // And a valid one in a namespace is addressed as namespace.name
    const model = languageModelOf({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'chef', namespace: 'cooking' }, spec: { provider: 'mock', model: 'mock-1' } });
    expect(model.llm).toBe('cooking.chef');
    expect(model.modelId).toBe('mock-1');
  });
});
