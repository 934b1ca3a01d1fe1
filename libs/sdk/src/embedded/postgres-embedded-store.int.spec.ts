import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore } from '@kastra/event-store';
import { RuntimeManager, ValidationError } from '@kastra/sdk';
import { REPO, createTestDatabase, type TestDatabase } from '@kastra/testing';

const MANIFESTS = `
apiVersion: mastra.ai/v1
kind: LLM
metadata: {name: mock-llm}
spec: {provider: mock, model: mock-1}
---
apiVersion: mastra.ai/v1
kind: Agent
metadata: {name: host}
spec: {instructions: You host., model: {ref: mock-llm}, memory: {enabled: true}}
---
apiVersion: mastra.ai/v1
kind: Tool
metadata: {name: add}
spec:
  script: {code: "return { sum: input.a + input.b }"}
---
apiVersion: mastra.ai/v1
kind: Secret
metadata: {name: pantry}
stringData: {code: open-sesame-4711}
---
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

describe('an embedded runtime on a Postgres store', () => {
  let db: TestDatabase;
  let events: EventStore;
  // The master key Secrets are sealed with: the same for every runtime of the test, as for one app.
  const env = { KASTRA_MASTER_KEY: randomBytes(32).toString('base64') };
  const open: RuntimeManager[] = [];
  const runtime = () => {
    const rt = new RuntimeManager({ store: db.url as `postgres://${string}`, env });
    open.push(rt);
    return rt;
  };

  beforeAll(async () => {
    db = await createTestDatabase('sdk_store');
    events = new EventStore(db.pool());
  });
  afterEach(async () => {
    for (const rt of open.splice(0)) await rt.close();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('keeps applied resources for the next runtime on the same URL, which judges them again and runs a workflow', async () => {
    const first = runtime();
    await first.loadFromString(MANIFESTS);
    const uid = (await first.getResource('Workflow', 'sums'))?.metadata.uid;
    await first.close();

    const second = runtime();
    expect((await second.listResources('Workflow')).map((w) => w.metadata.name)).toEqual(['sums']);
    const workflow = await second.getResource('Workflow', 'sums');
    expect(workflow?.metadata.uid).toBe(uid);
    expect(workflow?.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]));
    expect((await second.listResources('LLM')).map((l) => l.metadata.name)).toEqual(['mock-llm']);
    // The Secret is back, its value still hidden in answers.
    expect((await second.getResource('Secret', 'pantry'))?.data).toEqual({ code: expect.not.stringContaining('b3Blbi1zZXNhbWU') });

    const result = await second.getWorkflow('sums').execute({ x: 1 });
    expect(result).toMatchObject({ status: 'Succeeded', output: { sum: 12 } });
    const run = await second.getResource('WorkflowRun', result.run);
    expect(run?.status?.phase).toBe('Succeeded');

    // The run's events are in the stream the workflow-executor writes.
    const stream = await events.readStream(`run:default:${result.run}:${run?.metadata.uid}`);
    expect(stream.map((event) => event.type)).toEqual(expect.arrayContaining(['RunStarted', 'StepStarted', 'StepSucceeded', 'RunSucceeded']));
    expect(stream[0].type).toBe('RunStarted');
    expect(stream[stream.length - 1].type).toBe('RunSucceeded');
    expect(stream.map((event) => event.streamVersion)).toEqual(stream.map((_, i) => i + 1));
  });

  it('never writes a Secret value in clear to the log', async () => {
    const pool = db.pool();
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM kastra_events WHERE data::text LIKE '%open-sesame%' OR data::text LIKE '%b3Blbi1zZXNhbWUtNDcxMQ%'`);
    expect(Number(rows[0].n)).toBe(0);
  });

  it('keeps an agent\'s memory per thread across runtimes', async () => {
    const first = runtime();
    const opening = await first.getAgent('host').generate({ prompt: 'table for two', threadId: 'guest-1' });
    await first.close();
    const second = runtime();
    const remembered = await second.getAgent('host').generate({ prompt: 'by the window', threadId: 'guest-1' });
    const fresh = await second.getAgent('host').generate({ prompt: 'by the window', threadId: 'guest-2' });
    expect(remembered.usage.prompt_tokens).toBeGreaterThan(fresh.usage.prompt_tokens);
    expect(fresh.usage.prompt_tokens).toBeLessThanOrEqual(opening.usage.prompt_tokens + 2);
    expect((await events.readStream('memory:default:host:guest-1')).length).toBe(2);
  });

  it('resumes a run suspended by an earlier runtime from its stream', async () => {
    const first = runtime();
    await first.loadFromString(`
apiVersion: mastra.ai/v1
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
`);
    const suspended = await first.getWorkflow('approval').execute({});
    expect(suspended).toMatchObject({ status: 'Suspended', suspended: { stepId: 'approve' } });
    await first.close();
    const second = runtime();
    expect((await second.getResource('WorkflowRun', suspended.run))?.status?.phase).toBe('Suspended');
    const done = await second.getWorkflow('approval').resume(suspended.run, 'approve', { a: 2, b: 3 });
    expect(done).toMatchObject({ status: 'Succeeded', output: { sum: 5 } });
    const uid = (await second.getResource('WorkflowRun', suspended.run))?.metadata.uid;
    const types = (await events.readStream(`run:default:${suspended.run}:${uid}`)).map((event) => event.type);
    expect(types.filter((type) => type === 'RunStarted')).toHaveLength(1);
    expect(types).toEqual(expect.arrayContaining(['RunSuspended', 'RunResumed', 'RunSucceeded']));
  });

  it('judges kept objects again at start: an LLM whose key left the environment is no longer Ready', async () => {
    const llm = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: gpt}\nspec: {provider: openai, model: gpt-4o, apiKey: "${OPENAI_API_KEY}"}\n';
    const withKey = new RuntimeManager({ store: db.url as `postgres://${string}`, env: { ...env, OPENAI_API_KEY: 'sk-test' } });
    open.push(withKey);
    await withKey.loadFromString(llm);
    expect((await withKey.getResource('LLM', 'gpt'))?.status?.phase).toBe('Ready');
    await withKey.close();
    const without = runtime();
    const status = (await without.getResource('LLM', 'gpt'))?.status;
    expect(status?.phase).not.toBe('Ready');
    expect(JSON.stringify(status?.conditions)).toContain('OPENAI_API_KEY');
    await without.deleteResource('LLM', 'gpt');
    await without.close();
    expect(await runtime().getResource('LLM', 'gpt')).toBeUndefined();
  });

  it('records a network run in the network-router\'s stream', async () => {
    const rt = runtime();
    await rt.loadFromString(['examples/mock-llms.yaml', 'examples/research-network.yaml'].map((file) => readFileSync(join(REPO, file), 'utf8')).join('\n---\n'));
    const result = await rt.getNetwork('research-network').generate('Research heat pumps');
    expect(result.run).toEqual(expect.any(String));
    const run = await rt.getResource('NetworkRun', result.run ?? '');
    expect(run?.status?.phase).toBe('Succeeded');
    const types = (await events.readStream(`networkrun:default:${result.run}:${run?.metadata.uid}`)).map((event) => event.type);
    expect(types[0]).toBe('NetworkRunStarted');
    expect(types[types.length - 1]).toBe('NetworkRunSucceeded');
    expect(types.filter((type) => type === 'MemberFinished')).toHaveLength(result.route.length);
  });

  it('stores nothing of a load with an invalid manifest', async () => {
    const rt = runtime();
    const bad = `
apiVersion: mastra.ai/v1
kind: LLM
metadata: {name: other-llm}
spec: {provider: mock, model: mock-2}
---
apiVersion: mastra.ai/v1
kind: Agent
metadata: {name: broken}
spec: {model: {ref: mock-llm}}
`;
    await expect(rt.loadFromString(bad)).rejects.toBeInstanceOf(ValidationError);
    await rt.close();
    const { rows } = await db.pool().query(`SELECT name FROM kastra_resources WHERE name IN ('other-llm', 'broken')`);
    expect(rows).toEqual([]);
    const next = runtime();
    expect(await next.getResource('LLM', 'other-llm')).toBeUndefined();
  });

  it('refuses a second runtime on the same database while the first is open', async () => {
    const first = runtime();
    await first.ready();
    const second = runtime();
    await expect(second.ready()).rejects.toThrow(/another embedded runtime is using this database/);
    await expect(second.listResources('LLM')).rejects.toThrow(/another embedded runtime/);
    await first.close();
    const third = runtime();
    await expect(third.ready()).resolves.toBeUndefined();
  });

  it('fails to open, naming no password, when the database cannot be reached', async () => {
    const rt = new RuntimeManager({ store: 'postgres://kastra:hunter2@127.0.0.1:1/none', env });
    open.push(rt);
    const error = await rt.ready().then(() => undefined, (e: Error) => e);
    expect(error?.message).toEqual(expect.any(String));
    expect(String(error?.message)).not.toContain('hunter2');
  });
});
