import { randomBytes } from 'node:crypto';
import type { ChatCompletion, FinishReason, Usage } from '@kastra/llm';
import type { ResponsesEcho } from './responses-request';

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface MessageItem {
  type: 'message';
  id: string;
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: OutputText[];
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export type OutputItem = MessageItem | FunctionCallItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** An id in OpenAI's style: a prefix and 48 hex characters. */
export function responsesId(prefix: 'resp' | 'msg' | 'fc'): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

export function responsesUsage(usage: Usage | undefined): ResponsesUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

/** `length` ends a response as incomplete (max_output_tokens), as OpenAI reports it. */
export function statusOf(finish: FinishReason | null): { status: ResponseStatus; incomplete_details: { reason: string } | null } {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The response object, as `POST /v1/responses` answers it and the stream's events carry it. */
export function responseObject(
  id: string,
  createdAt: number,
  echo: ResponsesEcho,
  state: { status: ResponseStatus; incomplete_details: { reason: string } | null; output: OutputItem[]; usage: ResponsesUsage | null; error?: { code: string; message: string } | null },
): Record<string, unknown> {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incomplete_details,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    max_tool_calls: null,
    model: echo.model,
    output: state.output,
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: echo.temperature,
    text: { format: { type: 'text' } },
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_p: echo.top_p,
    truncation: 'disabled',
    usage: state.usage,
    user: null,
    metadata: echo.metadata,
  };
}

/** A chat completion as a Responses API response: a message item for the text, one function_call item per tool call. */
export function completionToResponse(completion: ChatCompletion, echo: ResponsesEcho): Record<string, unknown> {
  const choice = completion.choices[0];
  const output: OutputItem[] = [];
  const text = choice?.message.content ?? '';
  if (text !== '') {
    output.push({ type: 'message', id: responsesId('msg'), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });
  }
  for (const call of choice?.message.tool_calls ?? []) {
    output.push({ type: 'function_call', id: responsesId('fc'), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' });
  }
  return responseObject(responsesId('resp'), completion.created || Math.floor(Date.now() / 1000), echo, {
    ...statusOf(choice?.finish_reason ?? 'stop'),
    output,
    usage: responsesUsage(completion.usage),
  });
}
