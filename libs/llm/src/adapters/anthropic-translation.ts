import type Anthropic from '@anthropic-ai/sdk';
import type {
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  ContentPart,
  FinishReason,
  TextContentPart,
  ToolCall,
  Usage,
} from '../chat-types';
import { ProviderError } from '../provider-errors';

type MessageParam = Anthropic.MessageParam;
type ContentBlockParam = Anthropic.ContentBlockParam;

/**
 * The SDK's types no longer list temperature and top_p (newer models reject them), but the API
 * still takes them for the models that do: pass them when the client set them.
 */
export type AnthropicRequest = Anthropic.MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number };

/** Anthropic requires max_tokens; this is what we ask for when the client did not say. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** OpenAI chat request -> Anthropic Messages request (system apart, tool results as user blocks). */
export function toAnthropicRequest(request: ChatRequest): AnthropicRequest {
  const system: string[] = [];
  const messages: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    // Anthropic wants user and assistant to alternate: consecutive turns of one role merge.
    if (last && last.role === role) (last.content as ContentBlockParam[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        push('user', userBlocks(message.content));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message));
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }]);
        break;
    }
  }
  if (request.response_format && request.response_format.type !== 'text') {
    // Anthropic has no JSON mode: the instruction is the closest equivalent.
    const schema = request.response_format.type === 'json_schema' ? ` matching this JSON schema: ${JSON.stringify(request.response_format.json_schema.schema ?? {})}` : '';
    system.push(`Respond with a single JSON object${schema}, and nothing else.`);
  }
  const params: AnthropicRequest = {
    model: request.model,
    messages,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) params.system = system.join('\n\n');
  if (request.temperature !== undefined) params.temperature = Math.min(request.temperature, 1);
  if (request.top_p !== undefined) params.top_p = request.top_p;
  if (request.stop !== undefined) params.stop_sequences = Array.isArray(request.stop) ? request.stop : [request.stop];
  if (request.user) params.metadata = { user_id: request.user };
  if (request.tools?.length && request.tool_choice !== 'none') {
    params.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      description: tool.function.description,
      input_schema: (tool.function.parameters ?? { type: 'object', properties: {} }) as Anthropic.Tool.InputSchema,
    }));
    const choice = request.tool_choice;
    const disableParallel = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
    if (choice === 'required') params.tool_choice = { type: 'any', ...disableParallel };
    else if (typeof choice === 'object') params.tool_choice = { type: 'tool', name: choice.function.name, ...disableParallel };
    else if (request.parallel_tool_calls === false) params.tool_choice = { type: 'auto', ...disableParallel };
  }
  return params;
}

function textOf(content: string | TextContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

function userBlocks(content: string | ContentPart[]): ContentBlockParam[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((part): ContentBlockParam => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const url = part.image_url.url;
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (data) {
      return {
        type: 'image',
        source: { type: 'base64', media_type: data[1] as Anthropic.Base64ImageSource['media_type'], data: data[2] },
      };
    }
    return { type: 'image', source: { type: 'url', url } };
  });
}

function assistantBlocks(message: Extract<ChatMessage, { role: 'assistant' }>): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  const text = textOf(message.content);
  if (text) blocks.push({ type: 'text', text });
  for (const call of message.tool_calls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
  }
  return blocks;
}

function parseArguments(args: string): Record<string, unknown> {
  if (!args || args.trim() === '') return {};
  try {
    const parsed = JSON.parse(args) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    throw new ProviderError('bad_request', 'assistant tool call arguments are not valid JSON', { provider: 'anthropic' });
  }
}

export function finishReasonOf(stopReason: string | null | undefined): FinishReason | null {
  switch (stopReason) {
    case undefined:
    case null:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/**
 * Anthropic counts cached and cache-written prompt tokens apart from input_tokens; OpenAI's
 * prompt_tokens includes them, with the cached share in prompt_tokens_details.
 */
export function toUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completion = usage.output_tokens ?? 0;
  const result: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
  if (cacheWrite > 0) result.cache_creation_tokens = cacheWrite;
  return result;
}

export function toCompletion(message: Anthropic.Message): ChatCompletion {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  return {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReasonOf(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: toUsage(message.usage),
  };
}
