import type { ChatRequest, EmbeddingRequest } from '@kastra/llm';
import { LlmCallError } from '../calls/llm-call-error';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function invalid(message: string): LlmCallError {
  return new LlmCallError(400, 'invalid_request', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(body: Record<string, unknown>, field: string, min: number, max: number): void {
  const value = body[field];
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(`${field} must be a number between ${min} and ${max}`);
  }
}

/** An OpenAI chat completions body, checked at the edge; names the field that is wrong. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw invalid('the body must be a JSON object');
  if (typeof body.model !== 'string' || body.model.trim() === '') throw invalid('model is required (a model id, provider/model or namespace.name)');
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalid('messages must be a non-empty array');
  body.messages.forEach((message, index) => {
    if (!isObject(message)) throw invalid(`messages[${index}] must be an object`);
    if (typeof message.role !== 'string' || !ROLES.has(message.role)) {
      throw invalid(`messages[${index}].role must be one of system, developer, user, assistant, tool`);
    }
    const content = message.content;
    const hasToolCalls = message.role === 'assistant' && Array.isArray(message.tool_calls);
    if (!(typeof content === 'string' || Array.isArray(content) || ((content === null || content === undefined) && hasToolCalls))) {
      throw invalid(`messages[${index}].content must be a string or an array of content parts`);
    }
    if (message.role === 'tool' && typeof message.tool_call_id !== 'string') throw invalid(`messages[${index}].tool_call_id is required for a tool message`);
  });
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw invalid('n must be 1: the proxy returns one choice');
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) throw invalid('tools must be an array');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid('stream must be a boolean');
  optionalNumber(body, 'temperature', 0, 2);
  optionalNumber(body, 'top_p', 0, 1);
  optionalNumber(body, 'max_tokens', 1, 10_000_000);
  optionalNumber(body, 'max_completion_tokens', 1, 10_000_000);
  const request = { ...body } as unknown as ChatRequest;
  for (const key of Object.keys(request) as Array<keyof ChatRequest>) if (request[key] === null) delete request[key];
  return request;
}

export function parseEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (!isObject(body)) throw invalid('the body must be a JSON object');
  if (typeof body.model !== 'string' || body.model.trim() === '') throw invalid('model is required');
  const input = body.input;
  const valid = typeof input === 'string' || (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'));
  if (!valid) throw invalid('input must be a string or a non-empty array of strings');
  const format = body.encoding_format;
  if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') throw invalid('encoding_format must be "float" or "base64"');
  const request = { ...body } as unknown as EmbeddingRequest;
  if (format === null) delete request.encoding_format;
  return request;
}
