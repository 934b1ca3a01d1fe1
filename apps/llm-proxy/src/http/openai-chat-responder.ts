import { Inject, Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { ChatCompletionChunk, ChatRequest } from '@kastra/llm';
import { OVERHEAD_HEADER, proxyOverheadMs, type CallContext } from '../calls/call-context';
import { ChatPipeline } from '../calls/chat-pipeline';
import { toLlmCallError } from '../calls/llm-call-error';
import { openAiErrorBody } from './error-bodies';
import { sendJson } from './json-response';
import { startSse, writeSse } from './sse-response';

/**
 * Answers an OpenAI-format chat request: JSON, or SSE chunks ending in `data: [DONE]` only when
 * the upstream really finished — a failed stream ends with an error event and no [DONE].
 */
@Injectable()
export class OpenAiChatResponder {
  constructor(@Inject(ChatPipeline) private readonly pipeline: ChatPipeline) {}

  async respond(request: ChatRequest, ctx: CallContext, res: ServerResponse): Promise<void> {
    if (!request.stream) {
      const { completion, clock } = await this.pipeline.complete(request, ctx);
      res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(clock).toFixed(3));
      sendJson(res, 200, completion);
      return;
    }
    const stream = await this.pipeline.stream(request, ctx);
    const includeUsage = request.stream_options?.include_usage === true;
    startSse(res, stream.clock);
    try {
      for await (const chunk of stream.chunks) {
        const visible = forClient(chunk, includeUsage);
        if (visible) await writeSse(res, JSON.stringify(visible));
        if (res.destroyed) break;
      }
    } catch (error) {
      await writeSse(res, JSON.stringify(openAiErrorBody(toLlmCallError(error))));
      res.end();
      return;
    }
    if (res.destroyed) return;
    await writeSse(res, '[DONE]');
    res.end();
  }
}

/** Usage-only chunks and usage fields go to clients that asked for them (stream_options.include_usage). */
function forClient(chunk: ChatCompletionChunk, includeUsage: boolean): ChatCompletionChunk | undefined {
  if (includeUsage) return chunk;
  if (chunk.choices.length === 0) return undefined;
  if (chunk.usage === undefined) return chunk;
  const { usage: _usage, ...rest } = chunk;
  return rest;
}
