// The ES module entry of the packed SDK: named exports and the default export are the CommonJS build's.
import sdk, { RuntimeManager, loadFromString, yamlToMastraLLM, EventBus, AbstractController, ValidationError, NotFoundError, NotReadyError, RunFailedError } from '@kastra/sdk';

const runtime = await loadFromString('apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: m}\nspec: {provider: mock, model: mock-1}\n');
const model = await yamlToMastraLLM('apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: m}\nspec: {provider: mock, model: mock-1}\n');
process.stdout.write(
  `${JSON.stringify({
    same: sdk.RuntimeManager === RuntimeManager,
    types: [RuntimeManager, loadFromString, yamlToMastraLLM, EventBus, AbstractController, ValidationError, NotFoundError, NotReadyError, RunFailedError].map((value) => typeof value),
    runtime: runtime instanceof RuntimeManager,
    llm: (await runtime.getResource('LLM', 'm'))?.status?.phase,
    modelId: model.modelId,
  })}\n`,
);
