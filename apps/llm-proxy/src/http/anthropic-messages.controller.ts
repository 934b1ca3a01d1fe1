import { Body, Controller, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { completionToAnthropicMessage } from '../anthropic/anthropic-message';
import { anthropicToChatRequest } from '../anthropic/anthropic-request';
import { AnthropicStreamTranslator } from '../anthropic/anthropic-stream-translator';
import { OVERHEAD_HEADER, proxyOverheadMs } from '../calls/call-context';
import { ChatPipeline } from '../calls/chat-pipeline';
import { toLlmCallError } from '../calls/llm-call-error';
import { estimatePromptTokens } from '../calls/token-estimate';
import { BearerAuthGuard } from './bearer-auth.guard';
import { anthropicErrorBody } from './error-bodies';
import { callContextOf, type LlmRequest } from './llm-request';
import { LlmErrorFilter } from './llm-error.filter';
import { startSse, writeSse } from './sse-response';

/** The Anthropic-compatible Messages API, over any model of the registry. */
@Controller('v1/messages')
@UseGuards(BearerAuthGuard)
@UseFilters(LlmErrorFilter)
export class AnthropicMessagesController {
  constructor(@Inject(ChatPipeline) private readonly pipeline: ChatPipeline) {}

  @Post()
  async create(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    const request = anthropicToChatRequest(body);
    const ctx = callContextOf(req, res);
    if (!request.stream) {
      const { completion, clock } = await this.pipeline.complete(request, ctx);
      res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(clock).toFixed(3));
      res.status(200).json(completionToAnthropicMessage(completion, request.model));
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
