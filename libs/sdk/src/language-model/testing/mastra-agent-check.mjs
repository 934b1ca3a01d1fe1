// Run by mastra-agent.e2e.spec.ts with Node 22 inside a project that has @mastra/core, ai 7 and
// zod installed: a Mastra Agent whose model is yamlToMastraLLM(LLM_YAML) from the built SDK
// (KASTRA_SDK, CommonJS in dist/). Prints one line, `KASTRA_RESULT <json>`.
import { createRequire } from 'node:module';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { generateText } from 'ai';
import { z } from 'zod';

const require = createRequire(import.meta.url);
const { yamlToMastraLLM } = require(process.env.KASTRA_SDK);

const model = await yamlToMastraLLM(process.env.LLM_YAML, { resolveSecret: () => process.env.PROVIDER_KEY });
const toolCalls = [];
const weather = createTool({
  id: 'weather',
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async (input) => {
    toolCalls.push(input);
    return { forecast: `sunny in ${input.city}` };
  },
});
const agent = new Agent({ id: 'weather-agent', name: 'weather-agent', instructions: 'You tell the weather.', model, tools: { weather } });

const generated = await agent.generate('Paris');
const stream = await agent.stream('Oslo');
const deltas = [];
for await (const delta of stream.textStream) deltas.push(delta);
// The AI SDK 7 (LanguageModelV4) takes the V3 model too.
const aiSdk7 = await generateText({ model, prompt: 'from ai 7' });

console.log(`KASTRA_RESULT ${JSON.stringify({
  node: process.version,
  model: { specificationVersion: model.specificationVersion, provider: model.provider, modelId: model.modelId },
  generated: {
    text: generated.text,
    finishReason: generated.finishReason,
    toolResults: generated.toolResults.map((result) => result.payload ?? result),
    usage: generated.usage,
  },
  streamed: { deltas, text: await stream.text, usage: await stream.usage },
  aiSdk7: { text: aiSdk7.text, usage: aiSdk7.usage },
  toolCalls,
})}`);
