import type { ChatCompletionChunk, FinishReason, Usage } from '@kastra/llm';
import { type FunctionCallItem, type MessageItem, type OutputItem, type ResponseStatus, responseObject, responsesId, responsesUsage, statusOf } from './responses-output';
import type { ResponsesEcho } from './responses-request';

/** One server-sent event of the Responses API: `event: <type>`, data carrying the same type. */
export interface ResponsesEvent {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Turns the chat pipeline's chunks into the Responses API's events, in the order OpenAI sends
 * them: response.created, response.in_progress, then per output item output_item.added, its
 * content (content_part.added, output_text.delta…, output_text.done, content_part.done — or
 * function_call_arguments.delta…, function_call_arguments.done), output_item.done; at the end
 * response.completed (response.incomplete when the output was cut at max_output_tokens).
 */
export class ResponsesStreamTranslator {
  private sequence = 0;
  private readonly id = responsesId('resp');
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private readonly output: OutputItem[] = [];
  private message?: MessageItem;
  private call?: FunctionCallItem;
  /** Chat tool-call index → output index of its function_call item. */
  private readonly callIndex = new Map<number, number>();
  private finish: FinishReason | null = null;
  private usage?: Usage;

  constructor(private readonly echo: ResponsesEcho) {}

  start(): ResponsesEvent[] {
    const response = this.snapshot('in_progress');
    return [this.event('response.created', { response }), this.event('response.in_progress', { response })];
  }

  push(chunk: ChatCompletionChunk): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return events;
    const text = choice.delta.content;
    if (typeof text === 'string' && text !== '') {
      if (!this.message) {
        this.closeCall(events);
        this.message = { type: 'message', id: responsesId('msg'), status: 'in_progress', role: 'assistant', content: [] };
        this.output.push(this.message);
        events.push(this.event('response.output_item.added', { output_index: this.output.length - 1, item: copy(this.message) }));
        this.message.content.push({ type: 'output_text', text: '', annotations: [], logprobs: [] });
        events.push(this.event('response.content_part.added', { item_id: this.message.id, output_index: this.output.length - 1, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }));
      }
      this.message.content[0].text += text;
      events.push(this.event('response.output_text.delta', { item_id: this.message.id, output_index: this.output.indexOf(this.message), content_index: 0, delta: text, logprobs: [] }));
    }
    for (const delta of choice.delta.tool_calls ?? []) {
      if (!this.callIndex.has(delta.index)) {
        this.closeMessage(events);
        this.closeCall(events);
        this.call = { type: 'function_call', id: responsesId('fc'), call_id: delta.id ?? responsesId('fc'), name: delta.function?.name ?? '', arguments: '', status: 'in_progress' };
        this.output.push(this.call);
        this.callIndex.set(delta.index, this.output.length - 1);
        events.push(this.event('response.output_item.added', { output_index: this.output.length - 1, item: copy(this.call) }));
      }
      const item = this.output[this.callIndex.get(delta.index)!] as FunctionCallItem;
      const piece = delta.function?.arguments ?? '';
      if (piece !== '') {
        item.arguments += piece;
        events.push(this.event('response.function_call_arguments.delta', { item_id: item.id, output_index: this.output.indexOf(item), delta: piece }));
      }
    }
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return events;
  }

  /** After the upstream's real finish: close what is open and send the whole response. */
  end(): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    this.closeMessage(events);
    this.closeCall(events);
    const { status } = statusOf(this.finish ?? 'stop');
    const response = this.snapshot(status);
    events.push(this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response }));
    return events;
  }

  /** A failure after the stream began: OpenAI's `error` event, then response.failed. */
  fail(error: { code: string; message: string }): ResponsesEvent[] {
    const events = [this.event('error', { code: error.code, message: error.message, param: null })];
    events.push(this.event('response.failed', { response: responseObject(this.id, this.createdAt, this.echo, { status: 'failed', incomplete_details: null, output: this.output, usage: responsesUsage(this.usage), error }) }));
    return events;
  }

  private snapshot(status: ResponseStatus): Record<string, unknown> {
    const details = status === 'in_progress' ? { status, incomplete_details: null } : statusOf(this.finish ?? 'stop');
    return responseObject(this.id, this.createdAt, this.echo, { ...details, output: copy(this.output), usage: status === 'in_progress' ? null : responsesUsage(this.usage) });
  }

  private closeMessage(events: ResponsesEvent[]): void {
    const message = this.message;
    if (!message) return;
    const outputIndex = this.output.indexOf(message);
    const part = message.content[0];
    events.push(this.event('response.output_text.done', { item_id: message.id, output_index: outputIndex, content_index: 0, text: part.text, logprobs: [] }));
    events.push(this.event('response.content_part.done', { item_id: message.id, output_index: outputIndex, content_index: 0, part: copy(part) }));
    message.status = 'completed';
    events.push(this.event('response.output_item.done', { output_index: outputIndex, item: copy(message) }));
    this.message = undefined;
  }

  private closeCall(events: ResponsesEvent[]): void {
    const call = this.call;
    if (!call) return;
    const outputIndex = this.output.indexOf(call);
    events.push(this.event('response.function_call_arguments.done', { item_id: call.id, output_index: outputIndex, name: call.name, arguments: call.arguments }));
    call.status = 'completed';
    events.push(this.event('response.output_item.done', { output_index: outputIndex, item: copy(call) }));
    this.call = undefined;
  }

  private event(type: string, fields: Record<string, unknown>): ResponsesEvent {
    return { type, data: { type, sequence_number: this.sequence++, ...fields } };
  }
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
