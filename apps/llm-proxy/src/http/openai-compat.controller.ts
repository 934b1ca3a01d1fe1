import { Body, Controller, Get, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { OVERHEAD_HEADER, proxyOverheadMs } from '../calls/call-context';
import { ChatPipeline } from '../calls/chat-pipeline';
import { MODEL_RESOLVER, type ModelResolver } from '../calls/model-resolver';
import { BearerAuthGuard } from './bearer-auth.guard';
import { encodeEmbeddings } from './embedding-encoding';
import { callContextOf, type LlmRequest } from './llm-request';
import { LlmErrorFilter } from './llm-error.filter';
import { OpenAiChatResponder } from './openai-chat-responder';
import { parseChatRequest, parseEmbeddingRequest } from './parse-chat-request';

/** The OpenAI-compatible API: any OpenAI SDK pointed at `<proxy>/v1` works unchanged. */
@Controller('v1')
@UseGuards(BearerAuthGuard)
@UseFilters(LlmErrorFilter)
export class OpenAiCompatController {
  constructor(
    @Inject(OpenAiChatResponder) private readonly chat: OpenAiChatResponder,
    @Inject(ChatPipeline) private readonly pipeline: ChatPipeline,
    @Inject(MODEL_RESOLVER) private readonly models: ModelResolver,
  ) {}

  @Post('chat/completions')
  async chatCompletions(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    const request = parseChatRequest(body);
    await this.chat.respond(request, callContextOf(req, res), res);
  }

  @Post('embeddings')
  async embeddings(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    const request = parseEmbeddingRequest(body);
    const { response, clock } = await this.pipeline.embeddings(request, callContextOf(req, res));
    const encoded = encodeEmbeddings(response, request.encoding_format);
    res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(clock).toFixed(3));
    res.status(200).json(encoded);
  }

  @Get('models')
  async listModels(@Req() req: LlmRequest, @Res() res: Response): Promise<void> {
    const models = await this.models.list();
    if (req.llmClock) res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(req.llmClock).toFixed(3));
    res.status(200).json({
      object: 'list',
      data: models.map((m) => ({
        id: m.id,
        object: 'model',
        created: 0,
        owned_by: m.ownedBy ?? m.provider,
        provider: m.provider,
        type: m.type,
        ...(m.contextWindow !== undefined ? { context_window: m.contextWindow } : {}),
        ...(m.maxTokens !== undefined ? { max_tokens: m.maxTokens } : {}),
        ...(m.supportsVision !== undefined ? { supports_vision: m.supportsVision } : {}),
        // Per million tokens, USD; absent when unpriced.
        ...(m.prices ? { pricing: { input: m.prices.input, output: m.prices.output, ...(m.prices.cacheRead !== undefined ? { cache_read: m.prices.cacheRead } : {}), ...(m.prices.cacheWrite !== undefined ? { cache_write: m.prices.cacheWrite } : {}), currency: 'USD', per: 1_000_000 } } : {}),
      })),
    });
  }
}
