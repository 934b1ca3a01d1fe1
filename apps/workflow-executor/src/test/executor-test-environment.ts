import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import { parseAllDocuments } from 'yaml';
import { API_GROUP_VERSION, type Resource, type ResourceKey } from '@kastra/api';
import { NatsLlmClient, type ToolSource } from '@kastra/agent-runtime';
import { allowLoopbackEgress } from '@kastra/egress/testing';
import { EventStore, readStream } from '@kastra/event-store';
import { CoreTestEnvironmentHolder, createCoreTestEnvironment, eventually, REPO, type CoreTestEnvironment } from '@kastra/testing';
import { AgentRuntimeInvoker, type AgentRuntimeInvokerOptions } from '../agent-runtime-invoker';
import { runStreamId } from '../run/run-stream';
import { WorkflowExecutor, type WorkflowExecutorOptions } from '../workflow-executor';

export const userCtx = { actor: 'user:test' };

/** A fake llm-proxy on `<prefix>.llm.chat` per the contract: `answer` gets the request, returns the reply text. */
export type LlmAnswer = (request: { model: string; messages: Array<{ role: string; content: string | null }> }) => string;

/**
 * One database, NATS prefix, resource store and event relay for a test file, executors started on
 * demand, a fake llm-proxy and an HTTP tool server that counts Idempotency-Keys.
 */
export class ExecutorTestEnvironment extends CoreTestEnvironmentHolder {
  private readonly executors: WorkflowExecutor[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly servers: Server[] = [];

  private constructor(core: CoreTestEnvironment) {
    super(core);
  }

  static async create(label: string): Promise<ExecutorTestEnvironment> {
    return new ExecutorTestEnvironment(await createCoreTestEnvironment(label, { poolSize: 30 }));
  }

  /** An executor of this environment; `invoker` adds to its agent runtime's options (e.g. the Tools' permissions). */
  async startExecutor(options: Partial<WorkflowExecutorOptions> = {}, invoker: Partial<AgentRuntimeInvokerOptions> = {}): Promise<WorkflowExecutor> {
    const runtime = new AgentRuntimeInvoker({ store: this.store as unknown as ToolSource, llm: new NatsLlmClient({ nc: this.nc, prefix: this.prefix, timeoutMs: 5000 }), events: new EventStore(this.pool), ...invoker });
    const executor = new WorkflowExecutor({ store: this.store, pool: this.pool, nc: this.nc, prefix: this.prefix, invoker: runtime, ackWaitMs: 3000, ...options });
    this.executors.push(executor);
    await executor.start();
    return executor;
  }

  /** Answers every chat request with `answer(request)` as the assistant text. */
  fakeLlm(answer: LlmAnswer): void {
    const sub = this.nc.subscribe(`${this.prefix}.llm.chat`, {
      queue: 'llm-proxy',
      callback: (error, msg) => {
        if (error) return;
        const { request } = msg.json<{ request: Parameters<LlmAnswer>[0] }>();
        const completion = {
          id: 'fake',
          object: 'chat.completion',
          created: 0,
          model: request.model,
          choices: [{ index: 0, message: { role: 'assistant', content: answer(request) }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        };
        msg.respond(JSON.stringify({ ok: true, completion }));
      },
    });
    this.subscriptions.push(sub);
  }

  /** An HTTP tool endpoint: `handle` answers (status, body) for each call; every call's Idempotency-Key is recorded. */
  async toolServer(handle: (body: unknown, key: string | undefined, calls: number) => { status: number; body: unknown; delayMs?: number }) {
    const keys: string[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        const key = req.headers['idempotency-key'] as string | undefined;
        if (key) keys.push(key);
        const answer = handle(text ? JSON.parse(text) : undefined, key, keys.length);
        setTimeout(() => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.body));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.push(server);
    const port = (server.address() as { port: number }).port;
    // Tools are confined to public addresses unless the operator opens one: this test opens its server.
    allowLoopbackEgress(port);
    return { url: `http://127.0.0.1:${port}/`, keys };
  }

  async apply(...resources: Resource[]): Promise<void> {
    for (const resource of resources) await this.store.create(resource, userCtx);
  }

  /** Every document of an example manifest, created in the store. */
  async applyExample(file: string): Promise<void> {
    const docs = parseAllDocuments(readFileSync(join(REPO, 'examples', file), 'utf8')).map((doc) => doc.toJSON() as Resource);
    await this.apply(...docs.filter(Boolean));
  }

  async createRun(namespace: string, name: string, workflowRef: unknown, input: unknown): Promise<Resource> {
    return this.store.create({ apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', metadata: { name, namespace }, spec: { workflowRef, input } }, userCtx);
  }

  /** Waits until the run has one of the phases; returns it. */
  waitForPhase(namespace: string, name: string, phases: string[], timeoutMs = 20_000): Promise<Resource> {
    return eventually(async () => {
      const run = await this.store.get(runKey(namespace, name));
      return run && phases.includes(String(run.status?.phase)) ? run : undefined;
    }, timeoutMs, 50);
  }

  /** The types of the run's stream events. */
  async runEvents(run: Resource): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
    const events = await readStream(this.pool, runStreamId(run.metadata.namespace ?? 'default', run.metadata.name, run.metadata.uid ?? ''));
    return events.map((event) => ({ type: event.type, data: event.data }));
  }

  async close(): Promise<void> {
    for (const executor of this.executors) await executor.stop().catch(() => undefined);
    for (const sub of this.subscriptions) sub.unsubscribe();
    for (const server of this.servers) server.close();
    await this.core.close();
  }
}

export function runKey(namespace: string, name: string): ResourceKey {
  return { kind: 'WorkflowRun', namespace, name };
}

export function resource(kind: string, namespace: string, name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: API_GROUP_VERSION, kind, metadata: { name, namespace }, spec };
}

export function httpTool(namespace: string, name: string, url: string, inputSchema?: Record<string, unknown>): Resource {
  return resource('Tool', namespace, name, { description: name, ...(inputSchema ? { inputSchema } : {}), http: { url, method: 'POST' } });
}

export function scriptTool(namespace: string, name: string, code: string, timeoutMs = 1000): Resource {
  return resource('Tool', namespace, name, { description: name, script: { code, timeoutMs } });
}
