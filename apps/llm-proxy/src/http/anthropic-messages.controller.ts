import { Body, Controller, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AnthropicMessagesResponder } from './anthropic-messages-responder';
import { BearerAuthGuard } from './bearer-auth.guard';
import { callContextOf, type LlmRequest } from './llm-request';
import { LlmErrorFilter } from './llm-error.filter';

/**
 * The Anthropic-compatible Messages API, over any model of the registry. The fast edge
 * (fast-call-edge.ts) serves `POST /v1/messages` first; this route answers when it steps aside.
 */
@Controller('v1/messages')
@UseGuards(BearerAuthGuard)
@UseFilters(LlmErrorFilter)
export class AnthropicMessagesController {
  constructor(@Inject(AnthropicMessagesResponder) private readonly messages: AnthropicMessagesResponder) {}

  @Post()
  async create(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    await this.messages.respond(body, () => callContextOf(req, res), res);
  }
}
