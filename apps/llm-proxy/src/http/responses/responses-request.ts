import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolChoice, ToolDefinition } from '@kastra/llm';
import { LlmCallError } from '../../calls/llm-call-error';

/** What the Responses API echoes back of the request on its response object. */
export interface ResponsesEcho {
  model: string;
  instructions: string | null;
  tools: unknown[];
  tool_choice: unknown;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  metadata: Record<string, unknown>;
}

export interface ParsedResponsesRequest {
  chat: ChatRequest;
  echo: ResponsesEcho;
}

type Json = Record<string, unknown>;

/** The message names the field (OpenAI's `param` stays null, as on the proxy's other routes). */
function invalid(message: string, _param?: string): LlmCallError {
  return new LlmCallError(400, 'invalid_request', message);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(body: Json, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw invalid(`${field} must be a number between ${min} and ${max}`, field);
  return value;
}

/** `input_text`/`output_text` parts as text, `input_image` as an image part; others are refused by name. */
function contentParts(content: unknown, where: string): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`${where}.content must be a string or an array of content parts`, where);
  return content.map((part, index) => {
    if (!isObject(part)) throw invalid(`${where}.content[${index}] must be an object`, where);
    if ((part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (part.type === 'input_image' && typeof part.image_url === 'string') {
      const detail = part.detail === 'low' || part.detail === 'high' || part.detail === 'auto' ? part.detail : undefined;
      return { type: 'image_url', image_url: { url: part.image_url, ...(detail ? { detail } : {}) } };
    }
    throw invalid(`${where}.content[${index}].type ${JSON.stringify(part.type)} is not supported (input_text, output_text, input_image with image_url)`, where);
  });
}

function textOnly(parts: ContentPart[], where: string): string {
  return parts
    .map((part) => {
      if (part.type !== 'text') throw invalid(`${where}: only text is allowed in this role`, where);
      return part.text;
    })
    .join('');
}

/** One `input` item onto chat messages; function calls join the assistant message before them. */
function addItem(messages: ChatMessage[], item: unknown, index: number): void {
  const where = `input[${index}]`;
  if (!isObject(item)) throw invalid(`${where} must be an object`, 'input');
  const type = item.type ?? 'message';
  if (type === 'message') {
    const role = item.role;
    const parts = contentParts(item.content, where);
    if (role === 'user') messages.push({ role: 'user', content: parts });
    else if (role === 'system' || role === 'developer') messages.push({ role, content: textOnly(parts, where) });
    else if (role === 'assistant') messages.push({ role: 'assistant', content: textOnly(parts, where) });
    else throw invalid(`${where}.role must be one of user, assistant, system, developer`, 'input');
    return;
  }
  if (type === 'function_call') {
    if (typeof item.call_id !== 'string' || typeof item.name !== 'string') throw invalid(`${where}: a function_call needs call_id and name`, 'input');
    const call: ToolCall = { id: item.call_id, type: 'function', function: { name: item.name, arguments: typeof item.arguments === 'string' ? item.arguments : '{}' } };
    const last = messages[messages.length - 1];
    // A turn's text (message item) and its calls (function_call items) are one assistant message.
    if (last?.role === 'assistant') {
      last.tool_calls = [...(last.tool_calls ?? []), call];
      if (last.content === '') last.content = null;
    } else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    return;
  }
  if (type === 'function_call_output') {
    if (typeof item.call_id !== 'string') throw invalid(`${where}: a function_call_output needs call_id`, 'input');
    const output = typeof item.output === 'string' ? item.output : Array.isArray(item.output) ? textOnly(contentParts(item.output, where), where) : JSON.stringify(item.output ?? '');
    messages.push({ role: 'tool', tool_call_id: item.call_id, content: output });
    return;
  }
  if (type === 'reasoning') return; // the proxy's models return no reasoning items; one sent back is context only
  throw invalid(`${where}.type ${JSON.stringify(type)} is not supported (message, function_call, function_call_output)`, 'input');
}

function toTools(tools: unknown): ToolDefinition[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalid('tools must be an array', 'tools');
  return tools.map((tool, index) => {
    if (!isObject(tool) || tool.type !== 'function') throw invalid(`tools[${index}]: only function tools are supported (type "function")`, 'tools');
    if (typeof tool.name !== 'string' || tool.name === '') throw invalid(`tools[${index}].name is required`, 'tools');
    return {
      type: 'function',
      function: {
        name: tool.name,
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        parameters: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} },
        ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
      },
    };
  });
}

function toToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  throw invalid('tool_choice must be "auto", "none", "required" or {type: "function", name}', 'tool_choice');
}

/**
 * An OpenAI Responses API body as the proxy's chat request, so it takes the one call pipeline
 * (limits, fallbacks, usage, cost). The proxy keeps no responses: `previous_response_id` and
 * `conversation` are refused, the client sends the history in `input`.
 */
export function parseResponsesRequest(body: unknown): ParsedResponsesRequest {
  if (!isObject(body)) throw invalid('the body must be a JSON object');
  if (typeof body.model !== 'string' || body.model.trim() === '') throw invalid('model is required (a model id, provider/model or namespace.name)', 'model');
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    throw invalid('previous_response_id is not supported: the proxy stores no responses; send the conversation in input', 'previous_response_id');
  }
  if (body.conversation !== undefined && body.conversation !== null) throw invalid('conversation is not supported: send the conversation in input', 'conversation');
  if (body.background === true) throw invalid('background is not supported: the proxy stores no responses to poll; call without it (stream for long answers)', 'background');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid('stream must be a boolean', 'stream');
  const messages: ChatMessage[] = [];
  const instructions = body.instructions;
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') throw invalid('instructions must be a string', 'instructions');
  if (typeof instructions === 'string' && instructions !== '') messages.push({ role: 'system', content: instructions });
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else if (Array.isArray(body.input)) body.input.forEach((item, index) => addItem(messages, item, index));
  else throw invalid('input must be a string or an array of input items', 'input');
  if (!messages.some((message) => message.role !== 'system' && message.role !== 'developer')) throw invalid('input must contain at least one message', 'input');
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  const topP = optionalNumber(body, 'top_p', 0, 1);
  const maxOutput = optionalNumber(body, 'max_output_tokens', 1, 10_000_000);
  const tools = toTools(body.tools);
  const toolChoice = toToolChoice(body.tool_choice);
  const parallel = typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : undefined;
  const chat: ChatRequest = { model: body.model, messages, stream: body.stream === true };
  if (temperature !== undefined) chat.temperature = temperature;
  if (topP !== undefined) chat.top_p = topP;
  if (maxOutput !== undefined) chat.max_tokens = Math.floor(maxOutput);
  if (tools && tools.length > 0) chat.tools = tools;
  if (toolChoice && chat.tools) chat.tool_choice = toolChoice;
  if (parallel !== undefined && chat.tools) chat.parallel_tool_calls = parallel;
  if (typeof body.user === 'string') chat.user = body.user;
  const format = isObject(body.text) && isObject(body.text.format) ? body.text.format : undefined;
  if (format?.type === 'json_object') chat.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema' && typeof format.name === 'string') {
    chat.response_format = { type: 'json_schema', json_schema: { name: format.name, ...(isObject(format.schema) ? { schema: format.schema } : {}), ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}) } };
  }
  return {
    chat,
    echo: {
      model: body.model,
      instructions: typeof instructions === 'string' ? instructions : null,
      tools: Array.isArray(body.tools) ? body.tools : [],
      tool_choice: body.tool_choice ?? 'auto',
      temperature: temperature ?? null,
      top_p: topP ?? null,
      max_output_tokens: maxOutput ?? null,
      parallel_tool_calls: parallel ?? true,
      metadata: isObject(body.metadata) ? body.metadata : {},
    },
  };
}
