import { Body, Controller, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { anthropicToChatRequest } from '../anthropic/anthropic-request';
import { OVERHEAD_HEADER, proxyOverheadMs } from '../calls/call-context';
import { LlmCallError } from '../calls/llm-call-error';
import { TokenCounter } from '../calls/token-counter';
import { AnthropicMessagesResponder } from './anthropic-messages-responder';
import { BearerAuthGuard } from './bearer-auth.guard';
import { callContextOf, type LlmRequest } from './llm-request';
import { LlmErrorFilter } from './llm-error.filter';

/** Which count `count_tokens` answered: `provider` (the model's provider counted) or `estimate` (the proxy's). */
export const TOKEN_COUNT_SOURCE_HEADER = 'X-Kastra-Token-Count';

/**
 * The Anthropic-compatible Messages API, over any model of the registry. The fast edge
 * (fast-call-edge.ts) serves `POST /v1/messages` first; this route answers when it steps aside.
 */
@Controller('v1/messages')
@UseGuards(BearerAuthGuard)
@UseFilters(LlmErrorFilter)
export class AnthropicMessagesController {
  constructor(
    @Inject(AnthropicMessagesResponder) private readonly messages: AnthropicMessagesResponder,
    @Inject(TokenCounter) private readonly counter: TokenCounter,
  ) {}

  @Post()
  async create(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    await this.messages.respond(body, () => callContextOf(req, res), res);
  }

  /** `{input_tokens}` for a Messages body (no `max_tokens` needed), as Anthropic answers it. */
  @Post('count_tokens')
  async countTokens(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LlmCallError(400, 'invalid_request', 'the body must be a JSON object');
    const request = anthropicToChatRequest({ ...body, max_tokens: 1, stream: false });
    const ctx = callContextOf(req, res);
    const { inputTokens, source } = await this.counter.count(request, ctx);
    res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(ctx.clock).toFixed(3));
    res.setHeader(TOKEN_COUNT_SOURCE_HEADER, source);
    res.status(200).json({ input_tokens: inputTokens });
  }
}
