// Run by the tarball test inside a temporary project that installed the packed @kastra/sdk: the
// same script embedded (no KASTRA_GATEWAY; with KASTRA_STORE, on that Postgres store) and
// connected (KASTRA_GATEWAY, KASTRA_TOKEN, KASTRA_LLM_PROXY). It prints one JSON object with what each call gave.
const fs = require('node:fs');
const sdk = require('@kastra/sdk');

const { RuntimeManager, ValidationError, NotReadyError, RunFailedError } = sdk;
const manifests = fs.readFileSync(process.argv[2], 'utf8');

const INVALID_LLM = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: broken-llm}\nspec: {provider: not-a-provider, model: m}\n';
const ORPHAN_AGENT = 'apiVersion: mastra.ai/v1\nkind: Agent\nmetadata: {name: orphan-agent}\nspec: {instructions: hi, model: {ref: default.no-such-llm}}\n';
const FAILING_WORKFLOW = [
  'apiVersion: mastra.ai/v1\nkind: Tool\nmetadata: {name: always-fails}\nspec:\n  description: fails\n  script:\n    code: "throw new Error(\'no luck\')"\n',
  'apiVersion: mastra.ai/v1\nkind: Workflow\nmetadata: {name: failing-flow}\nspec:\n  steps:\n    - id: only\n      tool: always-fails\n',
].join('---\n');

async function ready(rt, kind, name) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const resource = await rt.getResource(kind, name);
    const condition = (resource?.status?.conditions ?? []).find((c) => c.type === 'Ready');
    if (condition?.status === 'True') return;
    if (Date.now() > deadline) throw new Error(`${kind} ${name} not Ready: ${JSON.stringify(condition)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function errorSummary(error) {
  return { name: error.name, message: error.message, causes: error.causes, missing: error.missing, stepId: error.stepId, error: error.error, isValidation: error instanceof ValidationError, isNotReady: error instanceof NotReadyError, isRunFailed: error instanceof RunFailedError };
}

(async () => {
  const connected = process.env.KASTRA_GATEWAY
    ? { gateway: process.env.KASTRA_GATEWAY, token: process.env.KASTRA_TOKEN, llmProxy: process.env.KASTRA_LLM_PROXY }
    : process.env.KASTRA_STORE
      ? { store: process.env.KASTRA_STORE }
      : undefined;
  const rt = new RuntimeManager(connected);
  const out = { mode: rt.mode };
  const applied = await rt.loadFromString(manifests);
  out.applied = applied.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`).sort();
  for (const [kind, name] of [['Agent', 'default.extract-agent'], ['Workflow', 'default.data-processing'], ['Network', 'default.research-network']]) await ready(rt, kind, name);

  const model = rt.getLLM('default.mock-llm');
  out.llm = { specificationVersion: model.specificationVersion, provider: model.provider, modelId: model.modelId };
  out.agent = await rt.getAgent('default.extract-agent').generate('I have eggs');
  out.workflow = await rt.getWorkflow('default.data-processing').execute({ data: 'id,amount\n1,12.5' });
  out.network = await rt.getNetwork('default.research-network').generate('Research heat pumps');
  out.networkEvents = [];
  for await (const event of rt.getNetwork('default.research-network').stream('Compare heat pumps')) out.networkEvents.push(event.type);
  out.listedAgents = (await rt.listResources('Agent', { namespace: 'default' })).map((r) => r.metadata.name).sort();

  try {
    await rt.loadFromString(INVALID_LLM);
    out.validation = 'no error';
  } catch (error) {
    out.validation = errorSummary(error);
  }
  await rt.loadFromString(ORPHAN_AGENT);
  try {
    await rt.getAgent('default.orphan-agent').generate('hello');
    out.notReady = 'no error';
  } catch (error) {
    out.notReady = errorSummary(error);
  }
  await rt.loadFromString(FAILING_WORKFLOW);
  await ready(rt, 'Workflow', 'default.failing-flow');
  try {
    await rt.getWorkflow('default.failing-flow').execute({});
    out.runFailed = 'no error';
  } catch (error) {
    out.runFailed = errorSummary(error);
  }
  await rt.close();
  out.modules = Object.keys(require.cache);
  process.stdout.write(`${JSON.stringify(out)}\n`);
})().catch((error) => {
  process.stderr.write(`check failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
