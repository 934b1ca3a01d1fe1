import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { OVERHEAD_HEADER, proxyOverheadMs } from '../calls/call-context';
import { ChatPipeline } from '../calls/chat-pipeline';
import { LlmCallError } from '../calls/llm-call-error';
import { MODEL_RESOLVER, type ModelResolver } from '../calls/model-resolver';
import { BearerAuthGuard } from './bearer-auth.guard';
import { encodeEmbeddings } from './embedding-encoding';
import { callContextOf, type LlmRequest } from './llm-request';
import { LlmErrorFilter } from './llm-error.filter';
import { anthropicModelObject, anthropicModelPage, openAiModelObject } from './model-objects';
import { OpenAiChatResponder } from './openai-chat-responder';
import { OpenAiResponsesResponder } from './openai-responses-responder';
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
    @Inject(OpenAiResponsesResponder) private readonly responses: OpenAiResponsesResponder,
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

  /** OpenAI's list; Anthropic's (`{data: [{type: 'model', …}], has_more, first_id, last_id}`) when the request carries `anthropic-version`. */
  @Get('models')
  async listModels(@Req() req: LlmRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const models = await this.models.list();
    if (req.llmClock) res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(req.llmClock).toFixed(3));
    if (req.headers['anthropic-version'] !== undefined) {
      res.status(200).json(anthropicModelPage(models, query));
      return;
    }
    res.status(200).json({ object: 'list', data: models.map(openAiModelObject) });
  }

  /** One model of the list; 404 (in the caller's API shape) when it is not there or cannot be called now. */
  @Get('models/*id')
  async retrieveModel(@Req() req: LlmRequest, @Res() res: Response, @Param('id') segments: string[] | string): Promise<void> {
    // Handles may hold a slash (`provider/model`): Express 5 gives the wildcard's segments.
    const id = Array.isArray(segments) ? segments.join('/') : segments;
    const model = (await this.models.list()).find((m) => m.id === id);
    if (!model) throw new LlmCallError(404, 'model_not_found', `The model '${id}' does not exist or you do not have access to it.`);
    if (req.llmClock) res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(req.llmClock).toFixed(3));
    res.status(200).json(req.headers['anthropic-version'] !== undefined ? anthropicModelObject(model) : openAiModelObject(model));
  }

  /** OpenAI's Responses API over the chat pipeline (openai-responses-responder.ts). */
  @Post('responses')
  async createResponse(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    await this.responses.respond(body, () => callContextOf(req, res), res);
  }
}
