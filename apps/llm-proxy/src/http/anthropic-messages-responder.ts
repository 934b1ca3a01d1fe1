import { Inject, Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { completionToAnthropicMessage } from '../anthropic/anthropic-message';
import { anthropicToChatRequest } from '../anthropic/anthropic-request';
import { AnthropicStreamTranslator } from '../anthropic/anthropic-stream-translator';
import { OVERHEAD_HEADER, proxyOverheadMs, type CallContext } from '../calls/call-context';
import { ChatPipeline } from '../calls/chat-pipeline';
import { toLlmCallError } from '../calls/llm-call-error';
import { estimatePromptTokens } from '../calls/token-estimate';
import { anthropicErrorBody } from './error-bodies';
import { sendJson } from './json-response';
import { startSse, writeSse } from './sse-response';

/**
 * Answers an Anthropic Messages body over any model: a message, or SSE events that end in
 * `message_stop` only after a real finish (a failed stream ends with an `error` event).
 */
@Injectable()
export class AnthropicMessagesResponder {
  constructor(@Inject(ChatPipeline) private readonly pipeline: ChatPipeline) {}

  /** `ctx` is built lazily, after the body is known good, as the controller always did. */
  async respond(body: unknown, context: () => CallContext, res: ServerResponse): Promise<void> {
    const request = anthropicToChatRequest(body);
    const ctx = context();
    if (!request.stream) {
      const { completion, clock } = await this.pipeline.complete(request, ctx);
      res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(clock).toFixed(3));
      sendJson(res, 200, completionToAnthropicMessage(completion, request.model));
      return;
    }
    const stream = await this.pipeline.stream(request, ctx);
    const translator = new AnthropicStreamTranslator(request.model, estimatePromptTokens(request));
    startSse(res, stream.clock);
    try {
      for await (const chunk of stream.chunks) {
        for (const event of translator.push(chunk)) await writeSse(res, JSON.stringify(event.data), event.event);
        if (res.destroyed) break;
      }
    } catch (error) {
      // Never message_stop after a failure: the SDK raises the error event instead of a clean end.
      await writeSse(res, JSON.stringify(anthropicErrorBody(toLlmCallError(error))), 'error');
      res.end();
      return;
    }
    if (res.destroyed) return;
    for (const event of translator.finish()) await writeSse(res, JSON.stringify(event.data), event.event);
    res.end();
  }
}
