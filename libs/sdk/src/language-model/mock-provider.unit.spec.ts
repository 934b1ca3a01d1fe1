import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import { yamlToMastraLLM } from './yaml-to-mastra-llm';

const MOCK_LLM = `apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: mock-llm
spec:
  provider: mock
  model: mock-1
`;

/** What `promise` fails with; fails the test when it succeeds. */
async function failureOf(promise: Promise<unknown>): Promise<Error & { statusCode?: number }> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error as Error & { statusCode?: number });
  if (!outcome) throw new Error('expected the call to fail');
  return outcome;
}

describe('the mock provider works offline, through the same AI SDK model as real providers', () => {
  const realFetch = globalThis.fetch;
  const networkCalls: string[] = [];

  beforeAll(() => {
    // Any request leaving the process fails the test.
    globalThis.fetch = (async (input: Parameters<typeof fetch>[0]) => {
      networkCalls.push(String(input));
      throw new Error('no network in this test');
    }) as typeof fetch;
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
  });
  afterEach(() => expect(networkCalls).toEqual([]));

  it('answers generateText with libs/llm mock replies and usage', async () => {
    const model = await yamlToMastraLLM(MOCK_LLM);
    const result = await generateText({ model, prompt: 'I have eggs' });
    expect(result.text).toBe('[mock:mock-1] I have eggs');
    expect(result.usage).toMatchObject({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
    expect(result.finishReason).toBe('stop');
  });

  it('calls the first tool, then answers, with generateText and streamText', async () => {
    // Given a tool whose calls are recorded
    const calls: unknown[] = [];
    const lookup = tool({
      description: 'Looks up recipes',
      inputSchema: z.object({ ingredient: z.string(), servings: z.number() }),
      execute: async (input) => {
        calls.push(input);
        return 'omelette';
      },
    });
    const model = await yamlToMastraLLM(MOCK_LLM);

    // When the model is given the tool, without and with streaming
    const generated = await generateText({ model, prompt: 'eggs', tools: { lookup }, stopWhen: stepCountIs(3) });
    const streamed = streamText({ model, prompt: 'eggs', tools: { lookup }, stopWhen: stepCountIs(3) });
    const deltas: string[] = [];
    for await (const delta of streamed.textStream) deltas.push(delta);

    // Then the mock filled the tool's required arguments from the prompt, the tool ran, and the model answered
    expect(calls).toEqual([{ ingredient: 'eggs', servings: 1 }, { ingredient: 'eggs', servings: 1 }]);
    expect(generated.steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(generated.text).toBe('[mock:mock-1] eggs');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('[mock:mock-1] eggs');
    expect((await streamed.totalUsage).totalTokens).toBeGreaterThan(0);
  });

  it('plays scripted responses and failures from spec.options', async () => {
    // Given scripted turns: a tool call, then text
    const scripted = await yamlToMastraLLM(`${MOCK_LLM}  options:
    responses:
      - tool_calls: [{name: lookup, arguments: {ingredient: flour}}]
      - Use the flour.
`);
    const lookup = tool({ description: 'd', inputSchema: z.object({ ingredient: z.string() }), execute: async ({ ingredient }) => `found ${ingredient}` });
    const result = await generateText({ model: scripted, prompt: 'bake', tools: { lookup }, stopWhen: stepCountIs(3) });
    expect(result.steps[0].toolResults[0]).toMatchObject({ input: { ingredient: 'flour' }, output: 'found flour' });
    expect(result.text).toBe('Use the flour.');

    // And failWith fails the call with the provider error's status, streamed or not
    const failing = await yamlToMastraLLM(`${MOCK_LLM}  options:\n    failWith: rate_limit\n`);
    const failure = await failureOf(generateText({ model: failing, prompt: 'x', maxRetries: 0 }));
    expect(failure.statusCode).toBe(429);
    expect(failure.message).toContain('mock failure (rate_limit)');
    const errors: unknown[] = [];
    const stream = streamText({ model: failing, prompt: 'x', maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    await stream.consumeStream();
    expect(errors).toEqual([expect.objectContaining({ statusCode: 429 })]);
  });

  it('gives an openai client that the mock answers in process', async () => {
    const model = await yamlToMastraLLM(MOCK_LLM);
    const client = model.client as OpenAI;
    const completion = await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'direct' }] });
    expect(completion.choices[0].message.content).toBe('[mock:mock-1] direct');
    const chunks: string[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'mock-1', stream: true, messages: [{ role: 'user', content: 'streamed call' }] })) {
      chunks.push(chunk.choices[0]?.delta.content ?? '');
    }
    expect(chunks.join('')).toBe('[mock:mock-1] streamed call');
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });
});
