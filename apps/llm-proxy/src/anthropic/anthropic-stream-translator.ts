import type { ChatCompletionChunk, FinishReason, Usage } from '@kastra/llm';
import { anthropicUsage, stopReasonOf } from './anthropic-message';

export interface AnthropicSseEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Turns OpenAI chunks into Anthropic stream events: message_start, one content block per text
 * run or tool call (content_block_start / _delta / _stop), then message_delta with the stop
 * reason and usage, and message_stop — the last two only from `finish()`, after a real end.
 */
export class AnthropicStreamTranslator {
  private started = false;
  private openBlock: { index: number; kind: 'text' } | { index: number; kind: 'tool'; toolIndex: number } | undefined;
  private nextBlockIndex = 0;
  private finishReason: FinishReason | null = null;
  private usage: Usage | undefined;

  constructor(private readonly model: string, private readonly promptEstimate: number) {}

  push(chunk: ChatCompletionChunk): AnthropicSseEvent[] {
    const events: AnthropicSseEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: chunk.id.startsWith('msg_') ? chunk.id : `msg_${chunk.id}`,
            type: 'message',
            role: 'assistant',
            model: this.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            // The real count arrives with the last chunk and is repeated in message_delta.
            usage: { input_tokens: this.promptEstimate, output_tokens: 0 },
          },
        },
      });
    }
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      const text = choice.delta.content;
      if (typeof text === 'string' && text !== '') {
        if (this.openBlock?.kind !== 'text') events.push(...this.openText());
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: this.openBlock!.index, delta: { type: 'text_delta', text } } });
      }
      for (const call of choice.delta.tool_calls ?? []) {
        if (this.openBlock?.kind !== 'tool' || this.openBlock.toolIndex !== call.index) {
          events.push(...this.closeBlock());
          const index = this.nextBlockIndex++;
          this.openBlock = { index, kind: 'tool', toolIndex: call.index };
          events.push({
            event: 'content_block_start',
            data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id ?? `toolu_${index}`, name: call.function?.name ?? '', input: {} } },
          });
        }
        const partial = call.function?.arguments;
        if (partial) {
          events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: this.openBlock.index, delta: { type: 'input_json_delta', partial_json: partial } } });
        }
      }
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return events;
  }

  /** The closing events of a stream that really finished. */
  finish(): AnthropicSseEvent[] {
    const events = this.closeBlock();
    const usage = anthropicUsage(this.usage);
    events.push({
      event: 'message_delta',
      data: { type: 'message_delta', delta: { stop_reason: stopReasonOf(this.finishReason) ?? 'end_turn', stop_sequence: null }, usage },
    });
    events.push({ event: 'message_stop', data: { type: 'message_stop' } });
    return events;
  }

  private openText(): AnthropicSseEvent[] {
    const events = this.closeBlock();
    const index = this.nextBlockIndex++;
    this.openBlock = { index, kind: 'text' };
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
    return events;
  }

  private closeBlock(): AnthropicSseEvent[] {
    if (!this.openBlock) return [];
    const index = this.openBlock.index;
    this.openBlock = undefined;
    return [{ event: 'content_block_stop', data: { type: 'content_block_stop', index } }];
  }
}
