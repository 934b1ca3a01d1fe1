import type { JsonSchema, KindDefinition } from '@kastra/api';

/**
 * The OpenAPI v3 paths and schemas of the endpoints that are not plain resource verbs: workflow
 * execute, workflowrun resume and events, agent generate, network generate and networkrun events
 * (apps/api-gateway/src/runs, agents, networks). Each is listed in the document of the group-version
 * that serves its kind, so a CRD cannot shadow them.
 */

const STATUS = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const PREFIX = 'ai.mastra.v1.';

const NAME = { name: 'name', in: 'path', required: true, description: 'Name of the object.', schema: { type: 'string', uniqueItems: true } };
const NAMESPACE = { name: 'namespace', in: 'path', required: true, description: 'Namespace of the object.', schema: { type: 'string', uniqueItems: true } };
const TIMEOUT = {
  name: 'timeoutSeconds',
  in: 'query',
  description: 'How long to wait for the run to end (default 60, 1 to 600); after it: 504 Timeout naming the run, which goes on.',
  schema: { type: 'integer', uniqueItems: true },
};
const STREAM = { name: 'stream', in: 'query', description: 'Answer Server-Sent Events as the call goes instead of one JSON object.', schema: { type: 'boolean', uniqueItems: true } };
const FOLLOW = { name: 'follow', in: 'query', description: 'false: end after the events recorded so far (default: follow until the run ends).', schema: { type: 'boolean', uniqueItems: true } };
const LAST_EVENT_ID = { name: 'Last-Event-ID', in: 'header', description: 'Resume after this stream version.', schema: { type: 'string' } };

const sse = (description: string): JsonSchema => ({ description, content: { 'text/event-stream': { schema: { type: 'string', description: 'id: <version>, event: <type>, data: <JSON> per event.' } } } });
const json = (description: string, schema: JsonSchema): JsonSchema => ({ description, content: { 'application/json': { schema } } });
const failure = (description: string): JsonSchema => json(description, { $ref: STATUS });

const schemas: Record<string, JsonSchema> = {
  [`${PREFIX}WorkflowExecuteAnswer`]: {
    type: 'object',
    description: 'How a synchronous workflow execute ended.',
    required: ['run', 'phase'],
    properties: {
      run: { type: 'string', description: 'The WorkflowRun created.' },
      phase: { type: 'string', description: 'Succeeded, or Suspended (202).' },
      output: { description: 'The workflow output.', 'x-kubernetes-preserve-unknown-fields': true },
      suspended: { type: 'object', properties: { stepId: { type: 'string' }, message: { type: 'string' } }, description: 'The step waiting for approval.' },
    },
  },
  [`${PREFIX}WorkflowRunResumeRequest`]: {
    type: 'object',
    required: ['stepId', 'payload'],
    properties: {
      stepId: { type: 'string', description: 'The id of the suspended step.' },
      payload: { description: "The resume payload (matches the step's resumeSchema; not null).", 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
  [`${PREFIX}AgentGenerateRequest`]: {
    type: 'object',
    description: 'Give prompt or messages.',
    properties: {
      prompt: { type: 'string' },
      messages: {
        type: 'array',
        items: { type: 'object', required: ['role', 'content'], properties: { role: { type: 'string', enum: ['system', 'user', 'assistant'] }, content: { type: 'string' } } },
      },
      threadId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,200}$' },
      output: { type: 'object', required: ['schema'], properties: { schema: { type: 'object', description: 'A JSON Schema for a structured answer.', 'x-kubernetes-preserve-unknown-fields': true } } },
    },
  },
  [`${PREFIX}AgentGenerateResult`]: {
    type: 'object',
    required: ['text', 'steps', 'usage', 'toolCalls', 'finishReason'],
    properties: {
      text: { type: 'string', description: 'The final answer text.' },
      object: { description: 'The parsed answer when output was asked.', 'x-kubernetes-preserve-unknown-fields': true },
      messages: { type: 'array', items: { type: 'object', properties: { role: { type: 'string' }, content: { type: 'string' } } } },
      steps: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      usage: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      toolCalls: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      finishReason: { type: 'string', description: 'stop, or max_steps.' },
    },
  },
  [`${PREFIX}NetworkGenerateRequest`]: {
    type: 'object',
    required: ['message'],
    properties: {
      message: { type: 'string', description: 'The task for the network.' },
      threadId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,200}$' },
      maxSteps: { type: 'integer', minimum: 1 },
    },
  },
  [`${PREFIX}NetworkGenerateAnswer`]: {
    type: 'object',
    required: ['run', 'phase', 'route'],
    properties: {
      run: { type: 'string', description: 'The NetworkRun created.' },
      phase: { type: 'string' },
      output: { description: "The router's final answer.", 'x-kubernetes-preserve-unknown-fields': true },
      route: { type: 'array', items: { type: 'object', properties: { step: { type: 'integer' }, agent: { type: 'string' }, reason: { type: 'string' } } } },
      steps: { type: 'integer' },
      usage: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
};

interface Subresource {
  kind: string;
  plural: string;
  subresource: string;
  method: 'get' | 'post';
  verb: string;
  description: string;
  parameters: JsonSchema[];
  request?: string;
  responses: JsonSchema;
}

const SUBRESOURCES: Subresource[] = [
  {
    kind: 'Workflow',
    plural: 'workflows',
    subresource: 'execute',
    method: 'post',
    verb: 'execute',
    description: 'Run the Workflow with the body as its input (any JSON; empty for none) and answer its output.',
    parameters: [TIMEOUT],
    request: 'any',
    responses: {
      '200': json('Succeeded', schemaRef(`${PREFIX}WorkflowExecuteAnswer`)),
      '202': json('Suspended: resume it, then follow it', schemaRef(`${PREFIX}WorkflowExecuteAnswer`)),
      '409': failure('Cancelled'),
      '422': failure('RunFailed'),
      '504': failure('Timeout: the run goes on'),
    },
  },
  {
    kind: 'WorkflowRun',
    plural: 'workflowruns',
    subresource: 'resume',
    method: 'post',
    verb: 'resume',
    description: 'Resume a suspended step of the WorkflowRun; answers the WorkflowRun.',
    parameters: [],
    request: `${PREFIX}WorkflowRunResumeRequest`,
    responses: { '200': json('OK', schemaRef(`${PREFIX}WorkflowRun`)), '409': failure('The run has ended'), '422': failure('Invalid stepId or payload') },
  },
  {
    kind: 'WorkflowRun',
    plural: 'workflowruns',
    subresource: 'events',
    method: 'get',
    verb: 'readEvents',
    description: "Server-Sent Events of the run's stream, from the start (or after Last-Event-ID), until its terminal event.",
    parameters: [FOLLOW, LAST_EVENT_ID],
    responses: { '200': sse('The run events') },
  },
  {
    kind: 'Agent',
    plural: 'agents',
    subresource: 'generate',
    method: 'post',
    verb: 'generate',
    description: 'One call of the Agent.',
    parameters: [STREAM],
    request: `${PREFIX}AgentGenerateRequest`,
    responses: { '200': { description: 'The result, or with stream=true its events then finish', content: { 'application/json': { schema: schemaRef(`${PREFIX}AgentGenerateResult`) }, 'text/event-stream': { schema: { type: 'string' } } } } },
  },
  {
    kind: 'Network',
    plural: 'networks',
    subresource: 'generate',
    method: 'post',
    verb: 'generate',
    description: 'Run the Network on the task as a NetworkRun and answer once it ends (or stream its events with stream=true / Accept: text/event-stream).',
    parameters: [TIMEOUT, STREAM],
    request: `${PREFIX}NetworkGenerateRequest`,
    responses: {
      '200': { description: 'Succeeded', content: { 'application/json': { schema: schemaRef(`${PREFIX}NetworkGenerateAnswer`) }, 'text/event-stream': { schema: { type: 'string' } } } },
      '409': failure('Cancelled'),
      '422': failure('RunFailed or an invalid request'),
      '504': failure('Timeout: the run goes on'),
    },
  },
  {
    kind: 'NetworkRun',
    plural: 'networkruns',
    subresource: 'events',
    method: 'get',
    verb: 'readEvents',
    description: "Server-Sent Events of the network run's stream, until its terminal event.",
    parameters: [FOLLOW, LAST_EVENT_ID],
    responses: { '200': sse('The run events') },
  },
];

/** The run endpoints of the given kinds (only mastra.ai/v1's built-in kinds have them). */
export function runPaths(kinds: readonly KindDefinition[]): { paths: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> } {
  const served = kinds.filter((kind) => kind.group === 'mastra.ai' && kind.version === 'v1').map((kind) => kind.kind);
  const chosen = SUBRESOURCES.filter((sub) => served.includes(sub.kind));
  const paths: Record<string, JsonSchema> = {};
  for (const sub of chosen) {
    const requestBody =
      sub.request === undefined
        ? undefined
        : { required: sub.request !== 'any', content: { 'application/json': { schema: sub.request === 'any' ? { description: 'Any JSON.', 'x-kubernetes-preserve-unknown-fields': true } : schemaRef(sub.request) } } };
    paths[`/apis/mastra.ai/v1/namespaces/{namespace}/${sub.plural}/{name}/${sub.subresource}`] = {
      parameters: [NAME, NAMESPACE],
      [sub.method]: {
        description: sub.description,
        operationId: `${sub.verb}MastraAiV1Namespaced${sub.kind}${sub.subresource === 'events' ? '' : sub.subresource.charAt(0).toUpperCase() + sub.subresource.slice(1)}`,
        tags: ['mastraAi_v1'],
        'x-kubernetes-action': sub.method === 'get' ? 'get' : 'post',
        'x-kubernetes-group-version-kind': { group: 'mastra.ai', version: 'v1', kind: sub.kind },
        parameters: sub.parameters,
        ...(requestBody ? { requestBody } : {}),
        responses: { ...sub.responses, '401': { description: 'Unauthorized' } },
      },
    };
  }
  return { paths, schemas: chosen.length > 0 ? schemas : {} };
}
