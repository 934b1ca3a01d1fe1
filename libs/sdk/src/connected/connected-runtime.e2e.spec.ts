import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { AbstractController, EventBus, KastraApiError, NotFoundError, NotReadyError, RunFailedError, RuntimeManager, ValidationError, type ControllerContext, type RuntimeResource } from '@kastra/sdk';
import { createTestDatabase, deleteTestStreams, eventually, freePort, startServiceProcess, testNatsPrefix, type ServiceProcess, type TestDatabase } from '@kastra/testing';

const MANIFESTS = `
apiVersion: mastra.ai/v1
kind: LLM
metadata: {name: mock-llm}
spec: {provider: mock, model: mock-1}
---
apiVersion: mastra.ai/v1
kind: Agent
metadata: {name: chef}
spec: {instructions: You cook., model: {ref: mock-llm}}
---
apiVersion: mastra.ai/v1
kind: Tool
metadata: {name: add}
spec:
  script: {code: "return { sum: input.a + input.b }"}
---
apiVersion: mastra.ai/v1
kind: Workflow
metadata: {name: approval}
spec:
  steps:
    - id: approve
      suspend: {message: approve?, resumeSchema: {type: object, required: [a, b]}}
      next: add
    - id: add
      tool: add
`;

/**
 * A connected RuntimeManager (from source) against a stack from dist/: what the tarball test does
 * not cover — watches through the watch API, agent and workflow streams, resume, deletes, the
 * gateway's Status answers as typed errors, and a controller of a cluster kind.
 */
describe('a connected runtime', () => {
  let database: TestDatabase;
  let prefix: string;
  let home: string;
  const services: ServiceProcess[] = [];
  let rt: RuntimeManager;
  let gatewayUrl: string;
  let httpsUrl: string;
  let proxyUrl: string;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase('sdkconnected');
    prefix = testNatsPrefix('sdkconnected');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-sdk-connected-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn' };
    const [port, httpsPort, grpcPort, controllerPort, executorPort, proxyPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const gateway = await startServiceProcess('api-gateway', port, { ...env, HTTPS_PORT: String(httpsPort), GRPC_PORT: String(grpcPort) });
    services.push(gateway);
    services.push(
      ...(await Promise.all([
        startServiceProcess('controller-manager', controllerPort, env),
        startServiceProcess('workflow-executor', executorPort, env),
        startServiceProcess('llm-proxy', proxyPort, env),
      ])),
    );
    gatewayUrl = gateway.url;
    httpsUrl = `https://127.0.0.1:${httpsPort}`;
    proxyUrl = services[3].url;
    token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'sdk-connected', role: 'admin' });
    rt = new RuntimeManager({ gateway: gatewayUrl, token });
    await rt.loadFromString(MANIFESTS);
    await eventually(async () => {
      for (const [kind, name] of [['Agent', 'chef'], ['Workflow', 'approval']]) {
        const resource = await rt.getResource(kind, name);
        const status = resource?.status;
        // On failure: where every object stands, and the controller-manager's last words.
        const logs = status?.phase === 'Ready' ? '' : JSON.stringify(await Promise.all(['LLM', 'Tool', 'Agent', 'Workflow'].map(async (k) => (await rt.listResources(k)).map((r) => [k, r.metadata.name, r.status?.phase])))) + services[1].logs().slice(-2000);
        expect({ kind, phase: status?.phase, conditions: status?.phase === 'Ready' ? [] : status?.conditions, logs }).toEqual({ kind, phase: 'Ready', conditions: [], logs: '' });
      }
      return true;
    }, 60_000);
  }, 180_000);

  afterAll(async () => {
    await rt?.close();
    await Promise.all(services.map((s) => s.stop()));
    await database?.drop();
    if (prefix) await deleteTestStreams(prefix);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('applies server-side: re-applying the same manifests changes nothing', async () => {
    const before = await rt.getResource('Agent', 'chef');
    const [again] = await rt.loadFromString(MANIFESTS.split('---')[1]);
    expect(again.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(again.metadata.generation).toBe(1);
  });

  it('answers the gateway\'s 422 as ValidationError naming the field, and an unknown resource as NotFoundError', async () => {
    const invalid = await rt.loadFromString('apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: bad}\nspec: {provider: nope, model: m}\n').catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).causes).toEqual([expect.objectContaining({ field: 'spec.provider' })]);
    expect(await rt.getResource('Agent', 'nobody')).toBeUndefined();
    await expect(rt.getAgent('nobody').generate('hi')).rejects.toBeInstanceOf(NotFoundError);
    await expect(rt.deleteResource('Agent', 'nobody')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('connects over HTTPS trusting the given CA, and refuses a gateway whose certificate it cannot check', async () => {
    const ca = fs.readFileSync(path.join(home, 'tls', 'ca.crt'));
    const secure = new RuntimeManager({ gateway: httpsUrl, token, ca });
    expect((await secure.getResource('Agent', 'chef'))?.metadata.name).toBe('chef');
    const untrusting = new RuntimeManager({ gateway: httpsUrl, token });
    await expect(untrusting.getResource('Agent', 'chef')).rejects.toMatchObject({ name: 'GatewayUnreachableError', message: expect.not.stringContaining(token) });
  });

  it('gives getLLM a model that calls through llm-proxy with the token (the AI SDK\'s generateText)', async () => {
    const { generateText } = await import('ai');
    const viaProxy = new RuntimeManager({ gateway: gatewayUrl, token, llmProxy: proxyUrl });
    expect(() => viaProxy.getLLM('mock-llm')).toThrow(NotFoundError); // not read by this runtime yet
    await viaProxy.getResource('LLM', 'mock-llm');
    const result = await generateText({ model: viaProxy.getLLM('mock-llm'), prompt: 'I have eggs' });
    expect(result.text).toBe('[mock:mock-1] I have eggs');
  });

  it('refuses a forged token with the gateway\'s 401, a watch included', async () => {
    const forged = new RuntimeManager({ gateway: gatewayUrl, token: `${token}x` });
    await expect(forged.listResources('Agent')).rejects.toMatchObject({ code: 401 });
    await expect(forged.listResources('Agent')).rejects.toBeInstanceOf(KastraApiError);
    const watch = forged.watch('Agent', () => undefined);
    await expect(watch.ready).rejects.toMatchObject({ code: 401 });
    watch.stop();
  });

  it('has a watch of a kind with no objects ready once the gateway answers', async () => {
    const seen: string[] = [];
    const watch = rt.watch('Network', (event) => seen.push(event.type), { namespace: 'nobody-here' });
    await watch.ready;
    watch.stop();
    expect(seen).toEqual([]);
  });

  it('streams an agent call as Server-Sent Events, finish last', async () => {
    const events = [];
    for await (const event of rt.getAgent('chef').stream('I have eggs')) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: 'finish', result: { text: '[mock:mock-1] I have eggs' } });
    expect(events.some((event) => event.type === 'text')).toBe(true);
  });

  it('executes a suspending workflow, resumes it, and streams a run\'s events up to its suspension', async () => {
    const workflow = rt.getWorkflow('approval');
    const suspended = await workflow.execute({});
    expect(suspended).toMatchObject({ status: 'Suspended', suspended: { stepId: 'approve', message: 'approve?' } });
    expect(await workflow.resume(suspended.run, 'approve', { a: 1, b: 2 }, { timeoutSeconds: 30 })).toMatchObject({ status: 'Succeeded', output: { sum: 3 } });
    const types: string[] = [];
    for await (const event of workflow.stream({})) types.push(event.type);
    expect(types).toEqual(['RunStarted', 'StepScheduled', 'RunSuspended']);
  }, 60_000);

  it('throws RunFailedError naming the step of a failed run', async () => {
    await rt.loadFromString(
      'apiVersion: mastra.ai/v1\nkind: Tool\nmetadata: {name: boom}\nspec:\n  script: {code: "throw new Error(\'no luck\')"}\n---\napiVersion: mastra.ai/v1\nkind: Workflow\nmetadata: {name: fails}\nspec:\n  steps:\n    - id: only\n      tool: boom\n',
    );
    await eventually(async () => (await rt.getResource('Workflow', 'fails'))?.status?.phase === 'Ready', 30_000);
    const error = await rt.getWorkflow('fails').execute({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    expect(error).toMatchObject({ stepId: 'only', error: { message: expect.stringContaining('no luck') } });
  }, 60_000);

  it('names the missing reference of an agent the cluster holds not Ready', async () => {
    await rt.loadFromString('apiVersion: mastra.ai/v1\nkind: Agent\nmetadata: {name: orphan}\nspec: {instructions: hi, model: {ref: no-llm}}\n');
    const error = await rt.getAgent('orphan').generate('hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).missing).toEqual([{ kind: 'LLM', namespace: 'default', name: 'no-llm', field: 'spec.model.ref', problem: 'NotFound' }]);
  });

  it('watches through the watch API: current objects as ADDED, then changes and deletions; a controller of a cluster kind gets them too', async () => {
    const seen: string[] = [];
    const watch = rt.watch('Tool', (event) => seen.push(`${event.type} ${event.object.metadata.name}`), { namespace: 'default' });
    await watch.ready;
    const reconciled: string[] = [];
    class ToolAuditor extends AbstractController {
      async getDesiredState(resource: RuntimeResource) {
        return resource.spec;
      }
      async getCurrentState() {
        return undefined;
      }
      protected async updateResourceState(resource: RuntimeResource, _d: unknown, _c: unknown, context?: ControllerContext) {
        reconciled.push(resource.metadata.name);
        expect(context).toBeDefined();
      }
      protected async cleanupResource() {}
    }
    rt.registerController('Tool', new ToolAuditor(new EventBus()));
    await rt.loadFromString('apiVersion: mastra.ai/v1\nkind: Tool\nmetadata: {name: temp}\nspec:\n  script: {code: "return 1"}\n');
    await rt.deleteResource('Tool', 'temp');
    await eventually(async () => {
      expect(seen).toEqual(expect.arrayContaining(['ADDED add', 'ADDED boom', 'ADDED temp', 'DELETED temp']));
      expect(reconciled).toEqual(expect.arrayContaining(['add', 'temp']));
      return true;
    }, 30_000);
    watch.stop();
  }, 60_000);
});
