import { eventually } from '@kastra/testing';

export interface Answer {
  status: number;
  text: string;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface RunStatus {
  phase?: string;
  output?: unknown;
  error?: unknown;
  conditions?: Condition[];
  steps?: Record<string, { state?: string; output?: unknown; error?: { type?: string; message?: string } }>;
}

const PLURAL: Record<string, string> = {
  Secret: 'secrets',
  Tool: 'tools',
  Agent: 'agents',
  Workflow: 'workflows',
  WorkflowRun: 'workflowruns',
  LLM: 'llms',
};

/** The gateway's REST API as one principal sees it: raw requests, and the few moves the attacks repeat. */
export class KastraClient {
  constructor(readonly gatewayUrl: string, readonly token: string) {}

  async request(method: string, pathname: string, body?: unknown, contentType?: string): Promise<Answer> {
    const response = await fetch(`${this.gatewayUrl}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json') },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, text: await response.text() };
  }

  /** `/apis/mastra.ai/v1/namespaces/{namespace}/{plural}[/{name}]`. */
  static path(namespace: string, kind: string, name?: string): string {
    return `/apis/mastra.ai/v1/namespaces/${namespace}/${PLURAL[kind]}${name ? `/${name}` : ''}`;
  }

  /** Creates the object and returns the answer (201 expected by callers that set things up). */
  create(namespace: string, kind: string, name: string, body: Record<string, unknown>): Promise<Answer> {
    return this.request('POST', KastraClient.path(namespace, kind), { apiVersion: 'mastra.ai/v1', kind, metadata: { name, namespace }, ...body });
  }

  /** Creates the object, failing the test with the answer unless it was created. */
  async mustCreate(namespace: string, kind: string, name: string, body: Record<string, unknown>): Promise<void> {
    const created = await this.create(namespace, kind, name, body);
    if (created.status !== 201) throw new Error(`creating ${kind} ${namespace}/${name}: ${created.status} ${created.text}`);
  }

  async get(namespace: string, kind: string, name: string): Promise<Record<string, any> | undefined> {
    const answer = await this.request('GET', KastraClient.path(namespace, kind, name));
    return answer.status === 200 ? (JSON.parse(answer.text) as Record<string, any>) : undefined;
  }

  /** Waits until the object's Ready condition has `wanted` (and `reason`, if given); returns it. */
  waitReady(namespace: string, kind: string, name: string, wanted: 'True' | 'False', reason?: string): Promise<Condition> {
    return eventually(async () => {
      const conditions = ((await this.get(namespace, kind, name))?.status?.conditions ?? []) as Condition[];
      const ready = conditions.find((condition) => condition.type === 'Ready');
      return ready?.status === wanted && (reason === undefined || ready.reason === reason) ? ready : undefined;
    }, 30_000, 150);
  }

  /** Starts a run of `workflow` and returns its name. */
  async startRun(namespace: string, workflow: string, input: unknown = {}): Promise<string> {
    const name = `${workflow}-${Math.random().toString(36).slice(2, 8)}`;
    await this.mustCreate(namespace, 'WorkflowRun', name, { spec: { workflowRef: workflow, input } });
    return name;
  }

  /** Waits for the run's end and returns its status. */
  runEnd(namespace: string, name: string, timeoutMs = 60_000): Promise<RunStatus> {
    return eventually(async () => {
      const status = (await this.get(namespace, 'WorkflowRun', name))?.status as RunStatus | undefined;
      return ['Succeeded', 'Failed', 'Cancelled'].includes(String(status?.phase)) ? status : undefined;
    }, timeoutMs, 200);
  }

  /** Starts a run of `workflow`, waits for its end; its status and its whole event stream (SSE text). */
  async run(namespace: string, workflow: string, input: unknown = {}): Promise<{ name: string; status: RunStatus; events: string }> {
    const name = await this.startRun(namespace, workflow, input);
    const status = await this.runEnd(namespace, name);
    return { name, status, events: await this.runEvents(namespace, name) };
  }

  /** The run's events as the SSE endpoint sends them (a finished run's stream ends). */
  async runEvents(namespace: string, name: string): Promise<string> {
    return (await this.request('GET', `${KastraClient.path(namespace, 'WorkflowRun', name)}/events`)).text;
  }

  generate(namespace: string, agent: string, prompt: string): Promise<Answer> {
    return this.request('POST', `${KastraClient.path(namespace, 'Agent', agent)}/generate`, { prompt });
  }
}

/** Each recorded event (`{type, data, metadata, …}`) of an SSE text whose type is `type`. */
export function sseEvents(text: string, type: string): Array<Record<string, any>> {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').includes(`event: ${type}`))
    .map((block) => JSON.parse(block.split('\n').find((line) => line.startsWith('data: '))!.slice('data: '.length)) as Record<string, any>);
}
