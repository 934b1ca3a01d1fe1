import type { Subscription } from '@nats-io/transport-node';
import { API_GROUP_VERSION, type Resource, type ResourceKey } from '@kastra/api';
import { NatsLlmClient, type ChatCompletion, type ChatRequest, type ToolSource } from '@kastra/agent-runtime';
import { EventNotifier, EventStore, readStream } from '@kastra/event-store';
import { NetworkStateStore } from '@kastra/network-state';
import { CoreTestEnvironmentHolder, createCoreTestEnvironment, eventually, type CoreTestEnvironment } from '@kastra/testing';
import { AgentMemberRunner } from '../run/agent-member-runner';
import { networkRunStreamId } from '../run/network-run-stream';
import { NetworkRouter, type NetworkRouterOptions } from '../network-router';

export const userCtx = { actor: 'user:test' };

/** A model call as the fake llm-proxy received it. */
export interface LlmCall {
  request: ChatRequest;
  user: string;
  idempotencyKey?: string;
  runUid?: string;
  at: number;
}

/** What the fake answers: text, tool calls, or an error; optionally after a delay. */
export type LlmReply =
  | string
  | { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> }
  | { error: { status: number; type: string; message: string } }
  | { completion: ChatCompletion };

/**
 * One database, NATS prefix, resource store and event relay for a test file; network-routers
 * started on demand; a scripted llm-proxy on `<prefix>.llm.chat` (per the NATS contract) that
 * records every call and appends a usage event naming the run, as the real one does.
 */
export class RouterTestEnvironment extends CoreTestEnvironmentHolder {
  readonly calls: LlmCall[] = [];
  private readonly routers: NetworkRouter[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly notifier: EventNotifier;
  readonly states: NetworkStateStore;

  private constructor(core: CoreTestEnvironment) {
    super(core);
    this.notifier = new EventNotifier(core.db.url);
    this.states = new NetworkStateStore({ pool: core.pool, notifier: this.notifier });
  }

  static async create(label: string): Promise<RouterTestEnvironment> {
    const env = new RouterTestEnvironment(await createCoreTestEnvironment(label, { poolSize: 30 }));
    await env.notifier.start();
    return env;
  }

  async startRouter(options: Partial<NetworkRouterOptions> = {}): Promise<NetworkRouter> {
    const llm = new NatsLlmClient({ nc: this.nc, prefix: this.prefix, timeoutMs: 20_000 });
    const router = new NetworkRouter({
      store: this.store,
      pool: this.pool,
      nc: this.nc,
      prefix: this.prefix,
      llm,
      members: new AgentMemberRunner({ llm, store: this.store as unknown as ToolSource, events: new EventStore(this.pool) }),
      states: this.states,
      ackWaitMs: 3000,
      usageSettleMs: 300,
      ...options,
    });
    this.routers.push(router);
    await router.start();
    return router;
  }

  /** Answers every chat call with `answer(call)` (after `delayMs` of it, when given). */
  llm(answer: (call: LlmCall) => LlmReply | Promise<LlmReply>, delayMs: (call: LlmCall) => number = () => 0): void {
    const events = new EventStore(this.pool);
    // One usage append at a time (the day's stream takes one version per append).
    let usage: Promise<unknown> = Promise.resolve();
    const sub = this.nc.subscribe(`${this.prefix}.llm.chat`, {
      queue: 'llm-proxy',
      callback: (error, msg) => {
        if (error) return;
        const body = msg.json<{ request: ChatRequest; user: string; idempotencyKey?: string; runUid?: string }>();
        const call: LlmCall = { ...body, at: Date.now() };
        this.calls.push(call);
        void (async () => {
          const delay = delayMs(call);
          if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
          let reply: LlmReply;
          try {
            reply = await answer(call);
          } catch (e) {
            reply = { error: { status: 500, type: 'server', message: (e as Error).message } };
          }
          if (typeof reply === 'object' && 'error' in reply) {
            msg.respond(JSON.stringify({ ok: false, error: reply.error }));
            return;
          }
          if (typeof reply === 'object' && 'completion' in reply) {
            msg.respond(JSON.stringify({ ok: true, completion: reply.completion }));
            return;
          }
          const message =
            typeof reply === 'string'
              ? { role: 'assistant', content: reply }
              : { role: 'assistant', content: null, tool_calls: reply.toolCalls.map((c, i) => ({ id: `call_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) };
          const completion = { id: 'fake', object: 'chat.completion', created: 0, model: call.request.model, choices: [{ index: 0, message, finish_reason: typeof reply === 'string' ? 'stop' : 'tool_calls' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } };
          if (call.runUid) {
            const data = { user: call.user, model: call.request.model, provider: 'fake', promptTokens: 10, completionTokens: 5, costUsd: 0.001, status: 'ok', runUid: call.runUid };
            usage = usage.then(() => events.append(`usage:${new Date().toISOString().slice(0, 10)}`, [{ type: 'LlmCallRecorded', data }])).catch(() => undefined);
            await usage;
          }
          msg.respond(JSON.stringify({ ok: true, completion }));
        })();
      },
    });
    this.subscriptions.push(sub);
  }

  async apply(...resources: Resource[]): Promise<void> {
    for (const resource of resources) await this.store.create(resource, userCtx);
  }

  createRun(name: string, spec: Record<string, unknown>, namespace = 'default'): Promise<Resource> {
    return this.store.create({ apiVersion: API_GROUP_VERSION, kind: 'NetworkRun', metadata: { name, namespace }, spec }, userCtx);
  }

  waitForPhase(name: string, phases: string[], timeoutMs = 20_000, namespace = 'default'): Promise<Resource> {
    return eventually(async () => {
      const run = await this.store.get(networkRunKey(name, namespace));
      return run && phases.includes(String(run.status?.phase)) ? run : undefined;
    }, timeoutMs, 50);
  }

  async runEvents(run: Resource): Promise<Array<{ type: string; data: Record<string, unknown>; createdAt: string }>> {
    const events = await readStream(this.pool, networkRunStreamId(run.metadata.namespace ?? 'default', run.metadata.name, run.metadata.uid ?? ''));
    return events.map((event) => ({ type: event.type, data: event.data, createdAt: event.createdAt }));
  }

  /** The calls made for a run: its router calls and its members' (by idempotency key). */
  callsOf(run: Resource): { router: LlmCall[]; members: LlmCall[] } {
    const uid = run.metadata.uid ?? '';
    const mine = this.calls.filter((call) => call.runUid === uid);
    return { router: mine.filter((c) => c.idempotencyKey?.startsWith(`${uid}:route:`)), members: mine.filter((c) => c.idempotencyKey?.startsWith(`${uid}:member:`)) };
  }

  async close(): Promise<void> {
    for (const router of this.routers) await router.stop().catch(() => undefined);
    for (const sub of this.subscriptions) sub.unsubscribe();
    await this.notifier.stop();
    await this.core.close();
  }
}

export function networkRunKey(name: string, namespace = 'default'): ResourceKey {
  return { kind: 'NetworkRun', namespace, name };
}

export function resource(kind: string, namespace: string, name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: API_GROUP_VERSION, kind, metadata: { name, namespace }, spec };
}

/** Whether a call is a routing call (json_schema `route`, or the schema in the router's system prompt). */
export function isRouterCall(call: LlmCall): boolean {
  const format = call.request.response_format as { type?: string; json_schema?: { name?: string } } | undefined;
  return format?.json_schema?.name === 'route' || String(call.request.messages[0]?.content ?? '').startsWith('You are the router');
}

/** The member an agent call is for: its system prompt (the Agent's instructions) starts `You are <name>`. */
export function memberOf(call: LlmCall): string | undefined {
  return /^You are ([a-z0-9-]+)/.exec(String(call.request.messages[0]?.content ?? ''))?.[1];
}

/** Decisions this run's router made so far (assistant JSON messages after the run's task). */
export function decisionsSoFar(call: LlmCall): number {
  const messages = call.request.messages;
  let count = 0;
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    try {
      const next = (JSON.parse(String(message.content)) as { next?: string }).next;
      if (next === 'done') count = 0;
      else if (next) count++;
    } catch {
      // a repair turn's bad answer
    }
  }
  return count;
}

export function decision(next: string, input = `work on it, ${next}`, reason = `because ${next}`, answer = ''): string {
  return JSON.stringify({ next, input, reason, answer });
}

export function agent(name: string, model = 'fake'): Resource {
  return resource('Agent', 'default', name, { instructions: `You are ${name}.`, model: { ref: model } });
}

export function llm(name: string, provider = 'openai'): Resource {
  return resource('LLM', 'default', name, { provider, model: 'gpt-4o' });
}
