import { Inject, Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { OVERHEAD_HEADER, proxyOverheadMs, type CallContext } from '../calls/call-context';
import { ChatPipeline } from '../calls/chat-pipeline';
import { toLlmCallError } from '../calls/llm-call-error';
import { openAiErrorBody } from './error-bodies';
import { sendJson } from './json-response';
import { completionToResponse } from './responses/responses-output';
import { parseResponsesRequest } from './responses/responses-request';
import { ResponsesStreamTranslator } from './responses/responses-stream-translator';
import { startSse, writeSse } from './sse-response';

/**
 * `POST /v1/responses` (OpenAI's Responses API) over the chat pipeline — the same limits,
 * fallbacks, usage and cost as chat completions: a response object, or its SSE events ending in
 * response.completed only after the upstream really finished (a failed stream ends with `error`
 * and response.failed).
 */
@Injectable()
export class OpenAiResponsesResponder {
  constructor(@Inject(ChatPipeline) private readonly pipeline: ChatPipeline) {}

  async respond(body: unknown, context: () => CallContext, res: ServerResponse): Promise<void> {
    const { chat, echo } = parseResponsesRequest(body);
    const ctx = context();
    if (!chat.stream) {
      const { completion, clock } = await this.pipeline.complete(chat, ctx);
      res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(clock).toFixed(3));
      sendJson(res, 200, completionToResponse(completion, echo));
      return;
    }
    const stream = await this.pipeline.stream(chat, ctx);
    const translator = new ResponsesStreamTranslator(echo);
    startSse(res, stream.clock);
    for (const event of translator.start()) await writeSse(res, JSON.stringify(event.data), event.type);
    try {
      for await (const chunk of stream.chunks) {
        for (const event of translator.push(chunk)) await writeSse(res, JSON.stringify(event.data), event.type);
        if (res.destroyed) break;
      }
    } catch (error) {
      const failure = openAiErrorBody(toLlmCallError(error)).error;
      for (const event of translator.fail({ code: failure.code, message: failure.message })) await writeSse(res, JSON.stringify(event.data), event.type);
      res.end();
      return;
    }
    if (res.destroyed) return;
    for (const event of translator.end()) await writeSse(res, JSON.stringify(event.data), event.type);
    res.end();
  }
}
