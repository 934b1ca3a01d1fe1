import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbstractController, EventBus, NotFoundError, NotReadyError, RunFailedError, RuntimeManager, ValidationError, loadFromString, type ControllerContext, type RuntimeResource } from '@kastra/sdk';

const LLM = `
apiVersion: mastra.ai/v1
kind: LLM
metadata: {name: mock-llm}
spec: {provider: mock, model: mock-1}
`;
const AGENT = `
apiVersion: mastra.ai/v1
kind: Agent
metadata: {name: chef}
spec:
  instructions: You cook.
  model: {ref: mock-llm}
`;
const TOOL = `
apiVersion: mastra.ai/v1
kind: Tool
metadata: {name: add}
spec:
  script: {code: "return { sum: input.a + input.b }"}
`;
const WORKFLOW = `
apiVersion: mastra.ai/v1
kind: Workflow
metadata: {name: sums}
spec:
  steps:
    - id: first
      tool: add
      input: {a: $.input.x, b: 1}
      next: second
    - id: second
      tool: add
      input: {a: $.steps.first.output.sum, b: 10}
`;

function doc(...parts: string[]): string {
  return parts.join('\n---\n');
}

describe('an embedded runtime', () => {
  it('judges what it loads as the controller-manager does: Ready when every reference is', async () => {
    const rt = await loadFromString(doc(LLM, AGENT));
    expect((await rt.getResource('LLM', 'mock-llm'))?.status).toMatchObject({ phase: 'Ready', observedGeneration: 1 });
    const agent = await rt.getResource('Agent', 'default.chef');
    expect(agent?.status?.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'ReferencesResolved', status: 'True' }), expect.objectContaining({ type: 'Ready', status: 'True' })]),
    );
    expect(agent?.metadata).toMatchObject({ namespace: 'default', generation: 1, uid: expect.any(String) });
  });

  it('answers an agent call with the mock model, offline', async () => {
    const rt = await loadFromString(doc(LLM, AGENT));
    const answer = await rt.getAgent('chef').generate('I have eggs');
    expect(answer).toMatchObject({ text: '[mock:mock-1] I have eggs', toolCalls: [] });
    expect(answer.usage.total_tokens).toBeGreaterThan(0);
  });

  it('streams an agent call: the loop\'s events, finish last with the answer', async () => {
    const rt = await loadFromString(doc(LLM, AGENT));
    const events = [];
    for await (const event of rt.getAgent('chef').stream({ prompt: 'I have eggs' })) events.push(event);
    expect(events[0]).toEqual({ type: 'step-start', step: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'finish', result: { text: '[mock:mock-1] I have eggs' } });
  });

  it('refuses an invalid manifest with the API server\'s causes, and stores nothing of the batch', async () => {
    const rt = new RuntimeManager();
    const error = await rt.loadFromString(doc(LLM, 'apiVersion: mastra.ai/v1\nkind: Agent\nmetadata: {name: no-instructions}\nspec: {model: {ref: mock-llm}}\n')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).causes).toEqual([expect.objectContaining({ field: 'spec.instructions', reason: 'FieldValueRequired' })]);
    expect(await rt.listResources('LLM')).toEqual([]);
  });

  it('says which reference keeps an agent from running, and runs it once that reference exists', async () => {
    const rt = await loadFromString(AGENT);
    const error = await rt.getAgent('chef').generate('hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect(error).toMatchObject({ code: 409, conditionReason: 'ReferenceNotFound', missing: [{ kind: 'LLM', namespace: 'default', name: 'mock-llm', field: 'spec.model.ref', problem: 'NotFound' }] });
    // When the LLM is applied, the agent is judged again.
    await rt.loadFromString(LLM);
    expect((await rt.getAgent('chef').generate('hi')).text).toBe('[mock:mock-1] hi');
  });

  it('names an unknown resource NotFoundError', async () => {
    const rt = new RuntimeManager();
    await expect(rt.getWorkflow('nothing').execute()).rejects.toBeInstanceOf(NotFoundError);
    expect(() => rt.getLLM('nothing')).toThrow(NotFoundError);
  });

  it('executes a workflow with the executor\'s step logic: input mappings, steps in order, the run kept as a WorkflowRun', async () => {
    const rt = await loadFromString(doc(TOOL, WORKFLOW));
    const result = await rt.getWorkflow('sums').execute({ x: 4 });
    expect(result).toEqual({ output: { sum: 15 }, run: expect.stringMatching(/^sums-/), status: 'Succeeded' });
    const run = await rt.getResource('WorkflowRun', result.run);
    expect(run?.status).toMatchObject({ phase: 'Succeeded', steps: { first: { state: 'Succeeded', output: { sum: 5 } }, second: { state: 'Succeeded' } } });
  });

  it('streams a run\'s events as they are recorded', async () => {
    const rt = await loadFromString(doc(TOOL, WORKFLOW));
    const types: string[] = [];
    for await (const event of rt.getWorkflow('sums').stream({ x: 1 })) types.push(event.type);
    expect(types).toEqual(['RunStarted', 'StepScheduled', 'StepStarted', 'StepSucceeded', 'StepScheduled', 'StepStarted', 'StepSucceeded', 'RunSucceeded']);
  });

  it('throws RunFailedError naming the failed step and its error, after the step\'s retries', async () => {
    const rt = await loadFromString(
      doc(
        'apiVersion: mastra.ai/v1\nkind: Tool\nmetadata: {name: boom}\nspec:\n  script: {code: "throw new Error(\'no luck\')"}\n',
        'apiVersion: mastra.ai/v1\nkind: Workflow\nmetadata: {name: fails}\nspec:\n  steps:\n    - id: try-it\n      tool: boom\n      retry: {maxAttempts: 2, initialIntervalMs: 10}\n',
      ),
    );
    const error = (await rt.getWorkflow('fails').execute({}).catch((e: unknown) => e)) as RunFailedError;
    expect(error).toBeInstanceOf(RunFailedError);
    expect(error).toMatchObject({ phase: 'Failed', stepId: 'try-it', error: { type: 'ToolExecutionError', message: expect.stringContaining('no luck') } });
    const run = await rt.getResource('WorkflowRun', error.run);
    expect(run?.status).toMatchObject({ steps: { 'try-it': { state: 'Failed', attempts: 2 } } });
  });

  it('suspends at a suspend step and goes on when resumed with a payload its schema accepts', async () => {
    const rt = await loadFromString(
      doc(
        TOOL,
        `apiVersion: mastra.ai/v1
kind: Workflow
metadata: {name: approval}
spec:
  steps:
    - id: approve
      suspend:
        message: approve the sum?
        resumeSchema: {type: object, required: [a, b], properties: {a: {type: number}, b: {type: number}}}
      next: add
    - id: add
      tool: add
`,
      ),
    );
    const workflow = rt.getWorkflow('approval');
    const suspended = await workflow.execute({});
    expect(suspended).toMatchObject({ status: 'Suspended', suspended: { stepId: 'approve', message: 'approve the sum?' } });
    const rejected = await workflow.resume(suspended.run, 'approve', { a: 'x' });
    expect(rejected.status).toBe('Suspended');
    const done = await workflow.resume(suspended.run, 'approve', { a: 2, b: 3 });
    expect(done).toMatchObject({ status: 'Succeeded', output: { sum: 5 } });
  });

  it('runs a nested workflow step as a child run to its end', async () => {
    const rt = await loadFromString(
      doc(TOOL, WORKFLOW, 'apiVersion: mastra.ai/v1\nkind: Workflow\nmetadata: {name: outer}\nspec:\n  steps:\n    - id: inner\n      workflow: sums\n'),
    );
    expect(await rt.getWorkflow('outer').execute({ x: 0 })).toMatchObject({ status: 'Succeeded', output: { sum: 11 } });
    expect((await rt.listResources('WorkflowRun')).length).toBe(2);
  });

  it('runs a network with the router logic: each member once on mock, then the answer and the route', async () => {
    const rt = await loadFromString(
      doc(
        LLM,
        AGENT,
        'apiVersion: mastra.ai/v1\nkind: Agent\nmetadata: {name: waiter}\nspec: {instructions: You serve., model: {ref: mock-llm}}\n',
        'apiVersion: mastra.ai/v1\nkind: Network\nmetadata: {name: kitchen}\nspec:\n  agents: [{name: chef, ref: chef}, {name: waiter, ref: waiter}]\n  router: {model: {ref: mock-llm}}\n',
      ),
    );
    const result = await rt.getNetwork('kitchen').generate('dinner for two');
    expect(result.route.map((entry) => entry.agent)).toEqual(['chef', 'waiter']);
    expect(result.output).toContain('dinner for two');
    expect((await rt.getResource('NetworkRun', result.run!))?.status).toMatchObject({ phase: 'Succeeded', steps: 2 });
    const types: string[] = [];
    for await (const event of rt.getNetwork('kitchen').stream('lunch')) types.push(event.type);
    expect(types).toEqual([
      'NetworkRunStarted',
      'RouteDecided',
      'MemberStarted',
      'MemberFinished',
      'RouteDecided',
      'MemberStarted',
      'MemberFinished',
      'RouteDecided',
      'NetworkRunSucceeded',
    ]);
  });

  it('gives getLLM a language model of the LLM, as yamlToMastraLLM does', async () => {
    const rt = await loadFromString(LLM);
    const model = rt.getLLM('default.mock-llm');
    expect({ specificationVersion: model.specificationVersion, modelId: model.modelId }).toEqual({ specificationVersion: 'v3', modelId: 'mock-1' });
  });

  it('watches a kind: the objects there are as ADDED, then each change, until stopped', async () => {
    const rt = await loadFromString(LLM);
    const seen: string[] = [];
    const watch = rt.watch('Agent', (event) => seen.push(`${event.type} ${event.object.metadata.name} ${event.object.status?.phase ?? '-'}`));
    await rt.loadFromString(AGENT);
    watch.stop();
    await rt.deleteResource('Agent', 'chef');
    expect(seen).toEqual(['ADDED chef -', 'MODIFIED chef Ready']);
  });

  it('never shows a Secret\'s values, and its LLM uses them', async () => {
    const rt = await loadFromString(
      doc(
        'apiVersion: mastra.ai/v1\nkind: Secret\nmetadata: {name: keys}\nstringData: {openai: sk-test-value}\n',
        'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: gpt}\nspec: {provider: openai, model: gpt-4o, secretRef: {name: keys, key: openai}}\n',
      ),
    );
    expect((await rt.getResource('Secret', 'keys'))?.data).toEqual({ openai: '<redacted>' });
    expect((await rt.getResource('LLM', 'gpt'))?.status?.phase).toBe('Ready');
  });

  it('hands resources of a kind of its own to the registered controller, which sets their status', async () => {
    const bus = new EventBus();
    const reconciled: unknown[] = [];
    bus.subscribe('datasource.reconciled', (message) => reconciled.push(message));
    class DataSourceController extends AbstractController {
      async getDesiredState(resource: RuntimeResource) {
        return resource.spec;
      }
      async getCurrentState() {
        return undefined;
      }
      protected async updateResourceState(_resource: RuntimeResource, desired: unknown, _current: unknown, context?: ControllerContext) {
        await context?.updateStatus({ phase: 'Ready', observedGeneration: 1, url: (desired as { url: string }).url });
      }
      protected async cleanupResource() {}
    }
    const rt = new RuntimeManager({ eventBus: bus });
    const custom = 'apiVersion: example.com/v1\nkind: DataSource\nmetadata: {name: orders}\nspec: {url: postgres://db/orders}\n';
    // Before a controller is registered the kind is unknown, as to the API server.
    await expect(rt.loadFromString(custom)).rejects.toMatchObject({ causes: [expect.objectContaining({ field: 'apiVersion' }), expect.objectContaining({ field: 'kind' })] });
    rt.registerController('DataSource', new DataSourceController(bus));
    await rt.loadFromString(custom);
    expect((await rt.getResource('DataSource', 'orders'))?.status).toEqual({ phase: 'Ready', observedGeneration: 1, url: 'postgres://db/orders' });
    expect(reconciled).toHaveLength(1);
    await expect(rt.loadFromString('apiVersion: example.com/v1\nkind: DataSource\nmetadata: {name: Not_A_Name}\nspec: {}\n')).rejects.toMatchObject({
      causes: [expect.objectContaining({ field: 'metadata.name' })],
    });
  });

  it('expands a System into its children with the System reconciler, runs them, and deletes them with it', async () => {
    const system = readFileSync(join(__dirname, '../../../../examples/customer-support-system.yaml'), 'utf8');
    const rt = await loadFromString(doc(readFileSync(join(__dirname, '../../../../examples/mock-llms.yaml'), 'utf8'), system));
    expect((await rt.getResource('System', 'customer-support'))?.status).toMatchObject({
      phase: 'Ready',
      children: expect.arrayContaining([{ kind: 'Agent', name: 'support-agent', ready: true }, { kind: 'Workflow', name: 'support-flow', ready: true }]),
    });
    expect((await rt.getResource('Agent', 'support-agent'))?.metadata.labels).toMatchObject({ 'mastra.ai/system': 'customer-support' });
    expect(await rt.getWorkflow('support-flow').execute('my order is late')).toMatchObject({ status: 'Succeeded' });
    await rt.deleteResource('System', 'customer-support');
    expect(await rt.getResource('Agent', 'support-agent')).toBeUndefined();
    expect(await rt.getResource('Workflow', 'support-flow')).toBeUndefined();
  });

  it('keeps an agent\'s memory per thread when spec.memory is enabled', async () => {
    const rt = await loadFromString(doc(LLM, 'apiVersion: mastra.ai/v1\nkind: Agent\nmetadata: {name: host}\nspec: {instructions: You host., model: {ref: mock-llm}, memory: {enabled: true}}\n'));
    const host = rt.getAgent('host');
    const first = await host.generate({ prompt: 'table for two', threadId: 'guest-1' });
    const second = await host.generate({ prompt: 'by the window', threadId: 'guest-1' });
    const other = await host.generate({ prompt: 'by the window', threadId: 'guest-2' });
    // The second call of the thread sends the first exchange along; another thread starts afresh.
    expect(second.usage.prompt_tokens).toBeGreaterThan(other.usage.prompt_tokens);
    expect(other.usage.prompt_tokens).toBeLessThanOrEqual(first.usage.prompt_tokens + 2);
  });

  it('reads keys from options.env by llm-proxy\'s rules: an LLM without its key is not Ready, and says which variable', async () => {
    const manifest = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: gpt}\nspec: {provider: openai, model: gpt-4o, apiKey: "${OPENAI_API_KEY}"}\n';
    const without = await loadFromString(manifest, { env: {} });
    const status = (await without.getResource('LLM', 'gpt'))?.status;
    expect(status?.phase).not.toBe('Ready');
    expect(JSON.stringify(status?.conditions)).toContain('OPENAI_API_KEY');
    const withKey = await loadFromString(manifest, { env: { OPENAI_API_KEY: 'sk-test' } });
    expect((await withKey.getResource('LLM', 'gpt'))?.status?.phase).toBe('Ready');
  });

  it('refuses a store it does not have, a store for a connected runtime, and a token without a gateway', () => {
    expect(() => new RuntimeManager({ store: 'mysql://x' as 'memory' })).toThrow(/not supported/);
    expect(() => new RuntimeManager({ store: 'postgres://x', gateway: 'https://127.0.0.1:8443', token: 't' })).toThrow(/embedded/);
    expect(() => new RuntimeManager({ token: 't' })).toThrow(/gateway/);
  });
});
