import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatMessage,
  ChatRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  JsonSchema,
  ModelInfo,
  ToolCall,
  Usage,
} from '../chat-types';
import { shippedModels } from '../model-catalogue';
import type { ChatResult, ProviderAdapter, ProviderCall } from '../provider-adapter';
import { ProviderError, type ProviderErrorKind } from '../provider-errors';
import type { CancelSignal } from '../cancel-signal';
import { mockRouteDecision, routeMembersOf } from './mock-router';

/** One scripted turn: a plain answer, or content and/or tool calls (arguments as object or JSON). */
export type MockResponse =
  | string
  | { content?: string; tool_calls?: Array<{ id?: string; name: string; arguments?: Record<string, unknown> | string }> };

/** Settings read from `call.options` (an LLM resource's spec.options reach the mock this way). */
export interface MockOptions {
  /** Scripted replies, one per assistant turn already in the conversation, cycling. */
  responses?: MockResponse[];
  /** Fail every call with this kind (to exercise retries and fallbacks without a server). */
  failWith?: ProviderErrorKind;
  /** Answer after this many milliseconds (abortable). @default 0 */
  delayMs?: number;
}

/**
 * The offline provider: deterministic, no network. Examples and tests use it so that an agent
 * with tools runs end to end — the default reply calls the first tool once, then echoes. A
 * network router's request (the `route` schema) gets a routing decision: each member once, in
 * order, then done (mock-router.ts).
 */
export class MockAdapter implements ProviderAdapter {
  readonly provider = 'mock';

  async chat(request: ChatRequest, call: ProviderCall): Promise<ChatResult> {
    const options = mockOptions(call);
    await this.prepare(options, call);
    const turn = replyFor(request, options);
    const usage = usageOf(request, turn);
    const completion: ChatCompletion = {
      id: `chatcmpl-mock-${turnIndex(request)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: turn.content, ...(turn.toolCalls.length ? { tool_calls: turn.toolCalls } : {}) },
          finish_reason: turn.toolCalls.length ? 'tool_calls' : 'stop',
          logprobs: null,
        },
      ],
      usage,
    };
    return { completion, usage };
  }

  async *chatStream(request: ChatRequest, call: ProviderCall): AsyncGenerator<ChatCompletionChunk> {
    const options = mockOptions(call);
    await this.prepare(options, call);
    const turn = replyFor(request, options);
    const base = { id: `chatcmpl-mock-${turnIndex(request)}`, object: 'chat.completion.chunk' as const, created: Math.floor(Date.now() / 1000), model: request.model };
    const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null): ChatCompletionChunk => ({
      ...base,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    yield chunk({ role: 'assistant', content: '' });
    for (const piece of splitIntoPieces(turn.content ?? '', 3)) {
      if (call.signal.aborted) throw new ProviderError('cancelled', 'request cancelled by the client', { provider: this.provider });
      yield chunk({ content: piece });
    }
    for (const [index, toolCall] of turn.toolCalls.entries()) {
      yield chunk({ tool_calls: [{ index, id: toolCall.id, type: 'function', function: { name: toolCall.function.name, arguments: '' } }] });
      for (const piece of splitIntoPieces(toolCall.function.arguments, 2)) {
        yield chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
      }
    }
    yield chunk({}, turn.toolCalls.length ? 'tool_calls' : 'stop');
    yield { ...base, choices: [], usage: usageOf(request, turn) };
  }

  async listModels(): Promise<ModelInfo[]> {
    return shippedModels(this.provider).map((m) => ({ ...m, source: 'api' as const }));
  }

  async checkApiKey(): Promise<boolean> {
    return true;
  }

  async embeddings(request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResponse> {
    await this.prepare(mockOptions(call), call);
    const inputs = Array.isArray(request.input) ? request.input : [request.input];
    const tokens = inputs.reduce((sum, text) => sum + countWords(text), 0);
    return {
      object: 'list',
      model: request.model,
      data: inputs.map((text, index) => ({ object: 'embedding' as const, index, embedding: embed(text, request.dimensions ?? 8) })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }

  private async prepare(options: MockOptions, call: ProviderCall): Promise<void> {
    if (call.signal.aborted) throw new ProviderError('cancelled', 'request cancelled by the client', { provider: this.provider });
    if (options.delayMs && options.delayMs > 0) await abortableDelay(options.delayMs, call.signal);
    if (options.failWith) throw new ProviderError(options.failWith, `mock failure (${options.failWith})`, { provider: this.provider });
  }
}

function mockOptions(call: ProviderCall): MockOptions {
  return (call.options ?? {}) as MockOptions;
}

interface Turn {
  content: string | null;
  toolCalls: ToolCall[];
}

function turnIndex(request: ChatRequest): number {
  return request.messages.filter((m) => m.role === 'assistant').length;
}

function replyFor(request: ChatRequest, options: MockOptions): Turn {
  const index = turnIndex(request);
  if (options.responses?.length) return scripted(options.responses[index % options.responses.length], index);
  const members = routeMembersOf(request);
  if (members) return { content: JSON.stringify(mockRouteDecision(members, request.messages)), toolCalls: [] };
  const lastUser = lastUserText(request.messages);
  const hasToolResult = request.messages.some((m) => m.role === 'tool');
  const tool = request.tool_choice === 'none' ? undefined : request.tools?.[0];
  if (tool && !hasToolResult) {
    const args = argumentsFromSchema(tool.function.parameters, lastUser);
    return { content: null, toolCalls: [{ id: `call_mock_${index}_0`, type: 'function', function: { name: tool.function.name, arguments: JSON.stringify(args) } }] };
  }
  return { content: `[mock:${request.model}] ${lastUser}`, toolCalls: [] };
}

function scripted(response: MockResponse, index: number): Turn {
  if (typeof response === 'string') return { content: response, toolCalls: [] };
  const toolCalls = (response.tool_calls ?? []).map(
    (call, i): ToolCall => ({
      id: call.id ?? `call_mock_${index}_${i}`,
      type: 'function',
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}) },
    }),
  );
  return { content: response.content ?? (toolCalls.length ? null : ''), toolCalls };
}

function lastUserText(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.role === 'user') return textOfContent(message.content);
  }
  return '';
}

function textOfContent(content: ChatMessage['content']): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ').trim();
}

/** Arguments with every required property filled: strings get the last user message. */
function argumentsFromSchema(schema: JsonSchema | undefined, text: string): Record<string, unknown> {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = (schema?.required ?? []) as string[];
  return Object.fromEntries(required.map((name) => [name, valueFor(properties[name], text)]));
}

function valueFor(schema: JsonSchema | undefined, text: string): unknown {
  if (Array.isArray(schema?.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema?.type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return argumentsFromSchema(schema, text);
    default:
      return text;
  }
}

function usageOf(request: ChatRequest, turn: Turn): Usage {
  const prompt = request.messages.reduce((sum, m) => sum + countWords(textOfContent(m.content)), 0);
  const completion = countWords(turn.content ?? '') + turn.toolCalls.reduce((sum, c) => sum + countWords(c.function.arguments), 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0 } };
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function splitIntoPieces(text: string, pieces: number): string[] {
  if (text === '') return [];
  const size = Math.ceil(text.length / pieces);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A deterministic unit vector from the text's characters (same text, same vector). */
function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let i = 0; i < text.length; i++) vector[i % dimensions] += text.charCodeAt(i);
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
}

function abortableDelay(ms: number, signal: CancelSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ProviderError('cancelled', 'request cancelled by the client', { provider: 'mock' }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
