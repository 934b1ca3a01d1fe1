import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolChoice } from '@kastra/llm';
import { LlmCallError } from '../calls/llm-call-error';

type Block = Record<string, unknown> & { type?: string };

function invalid(message: string): LlmCallError {
  return new LlmCallError(400, 'invalid_request', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(content: unknown, field: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block: Block, i) => {
        if (block.type !== 'text' || typeof block.text !== 'string') throw invalid(`${field}[${i}] must be a text block`);
        return block.text;
      })
      .join('\n');
  }
  throw invalid(`${field} must be a string or an array of text blocks`);
}

function imageUrl(block: Block, field: string): string {
  const source = block.source as Record<string, unknown> | undefined;
  if (source?.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string') return `data:${source.media_type};base64,${source.data}`;
  if (source?.type === 'url' && typeof source.url === 'string') return source.url;
  throw invalid(`${field}.source must be {type: base64, media_type, data} or {type: url, url}`);
}

/** One Anthropic message as one or more OpenAI messages (tool results become `tool` messages). */
function toChatMessages(message: Record<string, unknown>, index: number): ChatMessage[] {
  const field = `messages[${index}]`;
  const role = message.role;
  if (role !== 'user' && role !== 'assistant') throw invalid(`${field}.role must be user or assistant`);
  if (typeof message.content === 'string') return [{ role, content: message.content }];
  if (!Array.isArray(message.content)) throw invalid(`${field}.content must be a string or an array of content blocks`);
  const blocks = message.content as Block[];
  if (role === 'assistant') {
    const text = blocks.filter((b) => b.type === 'text').map((b) => String(b.text ?? '')).join('');
    const toolCalls: ToolCall[] = blocks
      .filter((b) => b.type === 'tool_use')
      .map((b) => ({ id: String(b.id), type: 'function', function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } }));
    return [{ role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }];
  }
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((block, i) => {
    if (block.type === 'tool_result') {
      const content = block.content === undefined ? '' : typeof block.content === 'string' ? block.content : textOf((block.content as Block[]).filter((b) => b.type === 'text'), `${field}.content[${i}].content`);
      out.push({ role: 'tool', tool_call_id: String(block.tool_use_id), content: block.is_error ? `Error: ${content}` : content });
    } else if (block.type === 'text') parts.push({ type: 'text', text: String(block.text ?? '') });
    else if (block.type === 'image') parts.push({ type: 'image_url', image_url: { url: imageUrl(block, `${field}.content[${i}]`) } });
    else throw invalid(`${field}.content[${i}].type "${String(block.type)}" is not supported`);
  });
  if (parts.length > 0) out.push({ role: 'user', content: parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('\n') : parts });
  return out;
}

function toToolChoice(choice: unknown): ToolChoice | undefined {
  if (!isObject(choice)) return undefined;
  if (choice.type === 'auto') return 'auto';
  if (choice.type === 'any') return 'required';
  if (choice.type === 'none') return 'none';
  if (choice.type === 'tool' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  throw invalid('tool_choice.type must be auto, any, none or tool (with name)');
}

/** An Anthropic Messages API body as Kastra's (OpenAI) chat request. */
export function anthropicToChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw invalid('the body must be a JSON object');
  if (typeof body.model !== 'string' || body.model.trim() === '') throw invalid('model: Field required');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) throw invalid('max_tokens: must be a positive integer');
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalid('messages: must be a non-empty array');
  const messages: ChatMessage[] = [];
  if (body.system !== undefined) messages.push({ role: 'system', content: textOf(body.system, 'system') });
  body.messages.forEach((message, index) => {
    if (!isObject(message)) throw invalid(`messages[${index}] must be an object`);
    messages.push(...toChatMessages(message, index));
  });
  const request: ChatRequest = { model: body.model, messages, max_tokens: body.max_tokens, stream: body.stream === true };
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences)) request.stop = body.stop_sequences.map(String);
  if (Array.isArray(body.tools)) {
    request.tools = (body.tools as Block[]).map((tool, i) => {
      if (typeof tool.name !== 'string') throw invalid(`tools[${i}].name is required`);
      return { type: 'function', function: { name: tool.name, ...(typeof tool.description === 'string' ? { description: tool.description } : {}), parameters: (tool.input_schema as Record<string, unknown>) ?? { type: 'object' } } };
    });
  }
  const choice = toToolChoice(body.tool_choice);
  if (choice) request.tool_choice = choice;
  const metadata = body.metadata as { user_id?: unknown } | undefined;
  if (typeof metadata?.user_id === 'string') request.user = metadata.user_id;
  return request;
}
