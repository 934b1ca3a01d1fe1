import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { acceptsJson, OpenApiController } from './openapi.controller';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

@Module({ controllers: [OpenApiController] })
class OpenApiTestModule {}

/** Every `$ref` string in a document. */
function refsOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, into));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') into.push(inner);
      else refsOf(inner, into);
    }
  }
  return into;
}

describe('OpenAPI documents over HTTP: /openapi/v2 (Swagger 2.0) and /openapi/v3', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(OpenApiTestModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app.close());

  async function get(path: string, accept?: string): Promise<{ status: number; type: string; body: Json }> {
    const res = await fetch(`${base}${path}`, { headers: accept ? { accept } : {} });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Json };
  }

  it('serves a structurally valid Swagger 2.0 document of the kinds, with every $ref resolving', async () => {
    const { status, type, body } = await get('/openapi/v2', 'application/json');
    expect(status).toBe(200);
    expect(type).toContain('application/json');
    expect(body.swagger).toBe('2.0');
    expect(body.openapi).toBeUndefined();
    expect(body.components).toBeUndefined();
    expect(typeof body.info.title).toBe('string');
    expect(typeof body.info.version).toBe('string');
    for (const name of ['ai.mastra.v1.Agent', 'ai.mastra.v1.AgentList', 'ai.mastra.v1.Workflow', 'ai.mastra.v1.WorkflowRun', 'ai.mastra.v1.Network', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status']) {
      expect(body.definitions[name]).toBeDefined();
    }
    expect(body.definitions['ai.mastra.v1.Agent']['x-kubernetes-group-version-kind']).toEqual([{ group: 'mastra.ai', version: 'v1', kind: 'Agent' }]);
    const refs = refsOf(body);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/definitions\//);
      expect(body.definitions[ref.slice('#/definitions/'.length)]).toBeDefined();
    }
    // v2 shapes: no requestBody / content; parameters carry their type inline; bodies are `in: body`.
    const collection = body.paths['/apis/mastra.ai/v1/namespaces/{namespace}/agents'];
    expect(collection.post.requestBody).toBeUndefined();
    expect(collection.post.parameters).toContainEqual(expect.objectContaining({ name: 'body', in: 'body', schema: { $ref: '#/definitions/ai.mastra.v1.Agent' } }));
    expect(collection.post.consumes).toContain('application/json');
    expect(collection.get.produces).toContain('application/json');
    expect(collection.get.responses['200'].schema).toEqual({ $ref: '#/definitions/ai.mastra.v1.AgentList' });
    expect(collection.get.parameters).toContainEqual(expect.objectContaining({ name: 'limit', in: 'query', type: 'integer' }));
    expect(collection.delete['x-kubernetes-action']).toBe('deletecollection');
    for (const [path, item] of Object.entries(body.paths as Record<string, Json>)) {
      expect(path.startsWith('/')).toBe(true);
      for (const op of Object.values(item).filter((v) => !Array.isArray(v)) as Json[]) {
        expect(op.requestBody).toBeUndefined();
        for (const response of Object.values(op.responses as Record<string, Json>)) expect(response.content).toBeUndefined();
        for (const p of (op.parameters ?? []) as Json[]) expect(p.in === 'body' ? p.schema : p.type).toBeDefined();
      }
    }
    expect(body.paths['/apis/mastra.ai/v1/namespaces/{namespace}/workflows/{name}/execute'].post).toBeDefined();
  });

  it('answers JSON to no Accept or */*, 406 to protobuf only (what kubectl asks)', async () => {
    expect((await get('/openapi/v2')).status).toBe(200);
    expect((await get('/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf, */*')).status).toBe(200);
    const refused = await get('/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    expect(refused.status).toBe(406);
    expect(refused.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    expect(acceptsJson('application/json;q=0, text/plain')).toBe(false);
    expect(acceptsJson('application/json;q=0.5')).toBe(true);
  });

  it('v3 describes the run endpoints with request and response schemas, list limit/continue and deletecollection', async () => {
    const { status, body } = await get('/openapi/v3/apis/mastra.ai/v1');
    expect(status).toBe(200);
    const ns = '/apis/mastra.ai/v1/namespaces/{namespace}';
    const schemas = body.components.schemas as Json;
    const resolve = (ref: string) => schemas[ref.replace('#/components/schemas/', '')];
    const execute = body.paths[`${ns}/workflows/{name}/execute`].post;
    expect(resolve(execute.responses['200'].content['application/json'].schema.$ref).properties.output).toBeDefined();
    expect(execute.responses['504']).toBeDefined();
    expect(execute.parameters.map((p: Json) => p.name)).toContain('timeoutSeconds');
    const resume = body.paths[`${ns}/workflowruns/{name}/resume`].post;
    expect(resolve(resume.requestBody.content['application/json'].schema.$ref).required).toEqual(['stepId', 'payload']);
    expect(resume.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ai.mastra.v1.WorkflowRun');
    for (const run of ['workflowruns', 'networkruns']) {
      const events = body.paths[`${ns}/${run}/{name}/events`].get;
      expect(events.responses['200'].content['text/event-stream']).toBeDefined();
      expect(events.parameters.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['follow', 'Last-Event-ID']));
    }
    const agent = body.paths[`${ns}/agents/{name}/generate`].post;
    expect(Object.keys(resolve(agent.requestBody.content['application/json'].schema.$ref).properties)).toEqual(['prompt', 'messages', 'threadId', 'output']);
    expect(resolve(agent.responses['200'].content['application/json'].schema.$ref).properties.text).toBeDefined();
    const network = body.paths[`${ns}/networks/{name}/generate`].post;
    expect(resolve(network.requestBody.content['application/json'].schema.$ref).required).toEqual(['message']);
    expect(resolve(network.responses['200'].content['application/json'].schema.$ref).properties.route).toBeDefined();

    for (const path of [`${ns}/agents`, '/apis/mastra.ai/v1/agents']) {
      expect(body.paths[path].get.parameters.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['limit', 'continue']));
    }
    const deleteCollection = body.paths[`${ns}/agents`].delete;
    expect(deleteCollection['x-kubernetes-action']).toBe('deletecollection');
    expect(deleteCollection.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ai.mastra.v1.AgentList');
    expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'].properties.continue).toBeDefined();
    for (const ref of refsOf(body)) expect(resolve(ref)).toBeDefined();
  });
});
