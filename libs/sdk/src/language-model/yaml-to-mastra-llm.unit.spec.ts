import Anthropic from '@anthropic-ai/sdk';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI, { AzureOpenAI } from 'openai';
import { z } from 'zod';
import type { ChatRequest } from '@kastra/llm';
import {
  startMockAnthropicServer,
  startMockGeminiServer,
  startMockOpenAIServer,
  type MockAnthropicServer,
  type MockGeminiServer,
  type MockOpenAIServer,
} from '@kastra/llm/testing';
import { yamlToMastraLLM } from './yaml-to-mastra-llm';

/** Assembled at runtime so that no literal in the repository looks like a credential. */
const KEY = ['sk', 'sdk', 'embedded', 'z'.repeat(12)].join('-');
const resolveSecret = (ref: { namespace: string; name: string; key: string }) =>
  ref.namespace === 'default' && ref.name === 'provider-keys' && ref.key === 'api-key' ? KEY : undefined;

function llmYaml(provider: string, baseURL: string, extra = ''): string {
  return `apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: test-llm
spec:
  provider: ${provider}
  model: test-model
  secretRef:
    name: provider-keys
    key: api-key
  options:
    baseURL: ${baseURL}
${extra}`;
}

const weatherTool = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

/** What `promise` fails with; fails the test when it succeeds. */
async function failureOf(promise: Promise<unknown>): Promise<Error & { statusCode?: number }> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error as Error & { statusCode?: number });
  if (!outcome) throw new Error('expected the call to fail');
  return outcome;
}

describe('yamlToMastraLLM: an LLM manifest as an AI SDK model, embedded, against an OpenAI-format server', () => {
  let server: MockOpenAIServer;

  beforeAll(async () => {
    server = await startMockOpenAIServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('answers generateText with the text and usage, calling the manifest endpoint with the resolved key and the spec defaults', async () => {
    // Given an openai LLM at the mock endpoint, its key in a Secret, temperature and maxTokens in its options
    const model = await yamlToMastraLLM(llmYaml('openai', server.baseUrl, '    temperature: 0.3\n    maxTokens: 64'), { resolveSecret });

    // When the AI SDK generates text with it
    const result = await generateText({ model, prompt: 'Say hello' });

    // Then the answer and the usage are the server's, and the request carried the key and the defaults
    expect(model.specificationVersion).toBe('v3');
    expect(model.modelId).toBe('test-model');
    expect(result.text).toBe('Mock answer from test-model: Say hello');
    expect(result.usage.inputTokens).toBe(2);
    expect(result.usage.outputTokens).toBe(6);
    expect(result.usage.totalTokens).toBe(8);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].path).toBe('/v1/chat/completions');
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    const body = server.requests[0].body as ChatRequest;
    expect(body.model).toBe('test-model');
    expect(body.temperature).toBe(0.3);
    expect(body.max_tokens).toBe(64);
  });

  it('takes a secret resolver that answers asynchronously', async () => {
    // Given a resolver returning a promise (a vault, a cluster read)
    const model = await yamlToMastraLLM(llmYaml('openai', server.baseUrl), { resolveSecret: async (ref) => resolveSecret(ref) });

    // When it answers, Then the resolved key was sent
    await generateText({ model, prompt: 'hi' });
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('lets a call override the spec defaults', async () => {
    // Given the same LLM
    const model = await yamlToMastraLLM(llmYaml('openai', server.baseUrl, '    temperature: 0.3\n    maxTokens: 64'), { resolveSecret });

    // When a call sets its own temperature and limit
    await generateText({ model, prompt: 'hi', temperature: 1.5, maxOutputTokens: 10 });

    // Then the call's values are sent
    const body = server.requests[0].body as ChatRequest;
    expect(body.temperature).toBe(1.5);
    expect(body.max_tokens).toBe(10);
  });

  it('runs a tool call round trip: the model asks for the tool, the AI SDK runs it, the result goes back, the model answers', async () => {
    // Given a model whose server calls the first tool once, then answers
    const model = await yamlToMastraLLM(llmYaml('openai-compatible', server.baseUrl), { resolveSecret });

    // When generateText is given a tool and two steps
    const result = await generateText({ model, prompt: 'Paris', tools: { weather: weatherTool }, stopWhen: stepCountIs(3) });

    // Then the first step called the tool with the model's arguments and the second answered with its result in the conversation
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0].toolCalls).toEqual([expect.objectContaining({ toolName: 'weather', input: { city: 'Paris' } })]);
    expect(result.steps[0].toolResults).toEqual([expect.objectContaining({ toolName: 'weather', output: 'sunny in Paris' })]);
    expect(result.steps[0].finishReason).toBe('tool-calls');
    expect(result.text).toBe('Mock answer from test-model: Paris');
    const second = server.requests[1].body as ChatRequest;
    expect(second.tools?.[0].function.name).toBe('weather');
    const toolMessage = second.messages.find((m) => m.role === 'tool');
    expect(toolMessage).toMatchObject({ role: 'tool', tool_call_id: 'call_weather_1' });
    expect(JSON.stringify(toolMessage?.content)).toContain('sunny in Paris');
    // And usage adds both steps up
    expect(result.totalUsage.totalTokens).toBe((result.steps[0].usage.totalTokens ?? 0) + (result.steps[1].usage.totalTokens ?? 0));
  });

  it('streams text deltas, tool calls and usage with streamText', async () => {
    // Given the model
    const model = await yamlToMastraLLM(llmYaml('openai', server.baseUrl), { resolveSecret });

    // When streamText runs a tool step and an answer step
    const stream = streamText({ model, prompt: 'Lyon weather please', tools: { weather: weatherTool }, stopWhen: stepCountIs(3) });
    const deltas: string[] = [];
    const toolInputDeltas: string[] = [];
    for await (const part of stream.fullStream) {
      if (part.type === 'text-delta') deltas.push(part.text);
      if (part.type === 'tool-input-delta') toolInputDeltas.push(part.delta);
    }

    // Then the text came in several deltas that join to the answer, the tool input streamed too, and usage was reported
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Mock answer from test-model: Lyon weather please');
    expect(toolInputDeltas.length).toBeGreaterThan(1);
    expect(JSON.parse(toolInputDeltas.join(''))).toEqual({ city: 'Lyon weather please' });
    expect((await stream.steps)[0].toolResults[0]).toMatchObject({ output: 'sunny in Lyon weather please' });
    const usage = await stream.totalUsage;
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    // And the stream asked the server for usage
    expect((server.requests[0].body as ChatRequest).stream_options?.include_usage).toBe(true);
  });

  it('exposes the provider client, configured with the same endpoint and key', async () => {
    // Given the model
    const model = await yamlToMastraLLM(llmYaml('openai', server.baseUrl), { resolveSecret });

    // When its client is used directly
    const client = model.client as OpenAI;
    const completion = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'direct' }] });

    // Then it is the official openai client and reaches the same server with the same key
    expect(client).toBeInstanceOf(OpenAI);
    expect(completion.choices[0].message.content).toBe('Mock answer from test-model: direct');
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(model.client).toBe(client);
  });

  it('keeps the key out of the error when the provider echoes it back', async () => {
    // Given a server that refuses the key and quotes it in its error, as OpenAI does
    const model = await yamlToMastraLLM(llmYaml('openai', server.baseUrl), { resolveSecret });
    server.scenario = 'unauthorized';

    // When a call fails
    const failure = await failureOf(generateText({ model, prompt: 'hi', maxRetries: 0 }));

    // Then the error says what happened, with its status, and nowhere holds the key
    expect(failure).toBeInstanceOf(Error);
    expect(failure.message).toContain('Incorrect API key provided');
    expect(failure.statusCode).toBe(401);
    expect(JSON.stringify(failure, Object.getOwnPropertyNames(failure))).not.toContain(KEY);
    expect(String(failure.stack)).not.toContain(KEY);
    // And the server did receive it: the test would see a leak
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe('yamlToMastraLLM: the other OpenAI-format providers', () => {
  let server: MockOpenAIServer;

  beforeAll(async () => {
    server = await startMockOpenAIServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('calls an Azure deployment with the api-version and the key in api-key, as libs/llm does', async () => {
    // Given an azure LLM at the resource endpoint, with a deployment of another name
    const model = await yamlToMastraLLM(llmYaml('azure', server.origin, '    deployment: prod-4o'), { resolveSecret });

    // When it answers
    const result = await generateText({ model, prompt: 'azure' });

    // Then the deployment URL, the default api-version and the api-key header were used, and no bearer key
    expect(result.text).toBe('Mock answer from test-model: azure');
    expect(server.requests[0].path).toBe('/openai/deployments/prod-4o/chat/completions');
    expect(server.requests[0].query.get('api-version')).toBe('2024-10-21');
    expect(server.requests[0].headers['api-key']).toBe(KEY);
    expect(server.requests[0].headers.authorization).toBeUndefined();
    // And its client is the openai package's AzureOpenAI, at the same deployment with the same key
    expect(model.client).toBeInstanceOf(AzureOpenAI);
    await (model.client as AzureOpenAI).chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'client' }] });
    expect(server.requests[1]).toMatchObject({ path: '/openai/deployments/prod-4o/chat/completions', headers: expect.objectContaining({ 'api-key': KEY }) });
  });

  it('calls a keyless provider (ollama) without any key, though the environment holds provider keys', async () => {
    // Given an ollama LLM with no key and an environment holding an OpenAI key
    const yaml = `apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: local}\nspec:\n  provider: ollama\n  model: llama3\n  options: {baseURL: '${server.baseUrl}'}\n`;
    const model = await yamlToMastraLLM(yaml, { env: { OPENAI_API_KEY: KEY } });

    // When it answers
    await generateText({ model, prompt: 'local' });

    // Then no key was sent
    expect(model.provider).toBe('ollama.chat');
    expect(server.requests[0].headers.authorization).toBeUndefined();
  });

  it('aborts a call that outlives spec.options.timeoutMs', async () => {
    // Given a 200 ms timeout and a server that answers after 3 s
    const model = await yamlToMastraLLM(llmYaml('openai', server.baseUrl, '    timeoutMs: 200'), { resolveSecret });
    server.enqueueScenarios({ delay: 3000 });

    // When a call is made
    const started = Date.now();
    const failure = await failureOf(generateText({ model, prompt: 'slow', maxRetries: 0 }));

    // Then it fails at the timeout, not when the server answers
    expect(failure.name).toMatch(/TimeoutError|AbortError/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('yamlToMastraLLM: Anthropic and Google manifests through the AI SDK provider packages', () => {
  let anthropic: MockAnthropicServer;
  let gemini: MockGeminiServer;

  beforeAll(async () => {
    [anthropic, gemini] = await Promise.all([startMockAnthropicServer(), startMockGeminiServer()]);
  });
  afterAll(() => Promise.all([anthropic.close(), gemini.close()]));

  it('calls Anthropic Messages with the key, runs a tool round trip and streams', async () => {
    // Given an anthropic LLM at the mock endpoint (base URL without /v1, as libs/llm writes it)
    const model = await yamlToMastraLLM(llmYaml('anthropic', anthropic.baseUrl, '    maxTokens: 100'), { resolveSecret });

    // When it answers with a tool round trip, and streams
    const result = await generateText({ model, prompt: 'Rome', tools: { weather: weatherTool }, stopWhen: stepCountIs(3) });
    const stream = streamText({ model, prompt: 'stream me' });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);

    // Then every call reached /v1/messages with the key, the tool ran, and the stream came in deltas
    expect(model.provider).toBe('anthropic.messages');
    expect(result.steps[0].toolResults[0]).toMatchObject({ toolName: 'weather', output: 'sunny in Rome' });
    expect(result.text).toBe('Mock answer from test-model: Rome');
    expect(result.totalUsage.inputTokens).toBeGreaterThan(0);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Mock answer from test-model: stream me');
    expect(anthropic.requests.map((r) => r.path)).toEqual(['/v1/messages', '/v1/messages', '/v1/messages']);
    expect(anthropic.requests.every((r) => r.headers['x-api-key'] === KEY)).toBe(true);
    expect((anthropic.requests[0].body as { max_tokens: number }).max_tokens).toBe(100);
    // And the client is the official Anthropic client
    expect(model.client).toBeInstanceOf(Anthropic);
    const message = await (model.client as Anthropic).messages.create({ model: 'test-model', max_tokens: 10, messages: [{ role: 'user', content: 'direct' }] });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Mock answer from test-model: direct' });
  });

  it('calls Gemini generateContent with the key in x-goog-api-key', async () => {
    // Given a google LLM at the mock endpoint
    const model = await yamlToMastraLLM(llmYaml('google', gemini.baseUrl), { resolveSecret });

    // When it generates and streams
    const result = await generateText({ model, prompt: 'Berlin' });
    const stream = streamText({ model, prompt: 'Oslo' });
    let streamed = '';
    for await (const delta of stream.textStream) streamed += delta;

    // Then both reached the Gemini endpoints with the key, with text and usage
    expect(result.text).toBe('Mock answer from test-model: Berlin');
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    expect(streamed).toBe('Mock answer from test-model: Oslo');
    expect(gemini.requests.map((r) => r.path)).toEqual(['/v1beta/models/test-model:generateContent', '/v1beta/models/test-model:streamGenerateContent']);
    expect(gemini.requests.every((r) => r.headers['x-goog-api-key'] === KEY)).toBe(true);
  });
});
