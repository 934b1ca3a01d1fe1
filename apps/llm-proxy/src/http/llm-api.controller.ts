import { Body, Controller, Get, Inject, Optional, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { ForbiddenError } from '@kastra/api';
import { type Principal, SYSTEM_MASTERS } from '@kastra/auth';
import { PG_POOL } from '@kastra/event-store';
import { OVERHEAD_HEADER, proxyOverheadMs } from '../calls/call-context';
import { MODEL_RESOLVER, type ModelResolver } from '../calls/model-resolver';
import { ClusterAdminCheck } from '../registry/admin/cluster-admin-check';
import { usageRange, usageReport } from '../usage/usage-report';
import { BearerAuthGuard } from './bearer-auth.guard';
import { callContextOf, principalOf, type LlmRequest } from './llm-request';
import { LlmErrorFilter } from './llm-error.filter';
import { OpenAiChatResponder } from './openai-chat-responder';
import { parseChatRequest } from './parse-chat-request';

/** Kastra's own LLM-service API: chat, the callable models, and usage per user, model and day. */
@Controller('api/v1/llm')
@UseGuards(BearerAuthGuard)
@UseFilters(LlmErrorFilter)
export class LlmApiController {
  constructor(
    @Inject(OpenAiChatResponder) private readonly chat: OpenAiChatResponder,
    @Inject(MODEL_RESOLVER) private readonly models: ModelResolver,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() private readonly admins?: ClusterAdminCheck,
  ) {}

  /** Body `{model, messages, temperature, max_tokens, stream}`; answers in the OpenAI format. */
  @Post('chat')
  async chatCompletion(@Req() req: LlmRequest, @Res() res: Response, @Body() body: unknown): Promise<void> {
    await this.chat.respond(parseChatRequest(body), callContextOf(req, res), res);
  }

  @Get('models')
  async listModels(@Req() req: LlmRequest, @Res() res: Response): Promise<void> {
    const models = await this.models.list();
    if (req.llmClock) res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(req.llmClock).toFixed(3));
    res.status(200).json({ models });
  }

  /** Cluster admins see everyone (or `?user=`); anyone else only themselves. */
  @Get('usage')
  async usage(@Req() req: LlmRequest, @Res() res: Response, @Query('from') from?: string, @Query('to') to?: string, @Query('user') user?: string): Promise<void> {
    const principal = principalOf(req);
    const admin = await this.isClusterAdmin(principal);
    if (!admin && user !== undefined && user !== principal.sub) {
      throw new ForbiddenError(`user "${principal.sub}" may only read their own usage`);
    }
    const range = usageRange(from, to);
    const rows = await usageReport(this.pool, range, admin ? user || undefined : principal.sub);
    if (req.llmClock) res.setHeader(OVERHEAD_HEADER, proxyOverheadMs(req.llmClock).toFixed(3));
    res.status(200).json({ from: range.from, to: range.to, usage: rows });
  }

  /** By the cluster's RBAC when the registry is there; a proxy without it knows only system:masters. */
  private async isClusterAdmin(principal: Principal): Promise<boolean> {
    return this.admins ? this.admins.isClusterAdmin(principal) : principal.groups.includes(SYSTEM_MASTERS);
  }
}
