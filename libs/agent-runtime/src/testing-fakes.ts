// Test doubles shared by this library's specs (and usable by the workflow-executor's tests).
import type { Resource } from '@kastra/api';
import type { AgentMemory, MemoryThread } from './agent-memory';
import type { ChatCompletion, ChatRequest, ChatToolCall } from './chat-types';
import type { LlmCallOptions, LlmClient } from './llm-client';
import { memoryStreamId } from './agent-memory';
import type { ChatMessage } from './chat-types';
import type { AgentTool, ToolResolver } from './tool-resolver';

/** A completion with text or tool calls, as a provider would answer. */
export function completion(answer: { text?: string | null; toolCalls?: Array<{ id?: string; name: string; args: unknown }> }): ChatCompletion {
  const toolCalls: ChatToolCall[] | undefined = answer.toolCalls?.map((call, i) => ({
    id: call.id ?? `call_${i}`,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args) },
  }));
  return {
    id: 'cmpl',
    object: 'chat.completion',
    created: 0,
    model: 'fake',
    choices: [{ index: 0, message: { role: 'assistant', content: answer.text ?? null, tool_calls: toolCalls }, finish_reason: toolCalls ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

/** An LlmClient that answers from a script, one completion per call, recording every request. */
export class ScriptedLlmClient implements LlmClient {
  readonly requests: ChatRequest[] = [];
  /** The options of each call (who for, idempotency key, run), in order. */
  readonly options: Array<Omit<LlmCallOptions, 'signal'>> = [];
  constructor(private readonly answers: Array<ChatCompletion | ((request: ChatRequest) => ChatCompletion)>) {}
  async chat(request: ChatRequest, { signal: _signal, ...options }: LlmCallOptions): Promise<ChatCompletion> {
    this.requests.push(structuredClone(request));
    this.options.push(options);
    const next = this.answers.shift();
    if (!next) throw new Error(`scripted LLM ran out of answers after ${this.requests.length - 1} calls`);
    return typeof next === 'function' ? next(request) : next;
  }
}

/** Tools given directly, by the name the model sees. */
export function staticToolResolver(tools: AgentTool[], secrets: Record<string, string> = {}, egress?: ToolResolver['egress']): ToolResolver {
  return {
    toolsOf: async () => tools,
    secrets: async (namespace, name, key) => secrets[`${namespace}/${name}/${key}`],
    ...(egress ? { egress } : {}),
  };
}

export class InMemoryAgentMemory implements AgentMemory {
  readonly threads = new Map<string, ChatMessage[]>();
  async read(thread: MemoryThread, lastMessages: number) {
    return (this.threads.get(memoryStreamId(thread)) ?? []).slice(-lastMessages);
  }
  async append(thread: MemoryThread, messages: ChatMessage[]) {
    this.threads.set(memoryStreamId(thread), [...(this.threads.get(memoryStreamId(thread)) ?? []), ...messages]);
  }
}

export function resource(kind: string, name: string, spec: Record<string, unknown>, namespace = 'default'): Resource {
  return { apiVersion: 'mastra.ai/v1', kind, metadata: { name, namespace, uid: `${kind}-${name}` }, spec };
}
