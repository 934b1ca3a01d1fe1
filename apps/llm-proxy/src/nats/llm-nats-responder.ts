import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { jsonTextNestsDeeperThan, nestingTooDeepMessage } from '@kastra/api';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { createLogger } from '@kastra/telemetry';
import { startClock } from '../calls/call-context';
import { ChatPipeline } from '../calls/chat-pipeline';
import { LlmCallError, toLlmCallError } from '../calls/llm-call-error';
import { MODEL_RESOLVER, type ModelResolver } from '../calls/model-resolver';
import { parseChatRequest } from '../http/parse-chat-request';
import { Cancellation } from '@kastra/llm';

/** Every llm-proxy replica answers in this queue group: one of them takes each request. */
export const LLM_QUEUE_GROUP = 'llm-proxy';

export function llmChatSubject(prefix: string): string {
  return `${prefix}.llm.chat`;
}

export function llmModelsSubject(prefix: string): string {
  return `${prefix}.llm.models`;
}

const logger = createLogger('llm-proxy').child({ component: 'nats' });

/**
 * Model calls over NATS request/reply for Kastra's own services (no HTTP, no token: the NATS
 * account is the trust boundary). Request `{request, user}` with `traceparent` in the headers;
 * reply `{ok: true, completion}` or `{ok: false, error: {status, type, message}}`.
 */
@Injectable()
export class LlmNatsResponder implements OnApplicationBootstrap, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
    @Inject(ChatPipeline) private readonly pipeline: ChatPipeline,
    @Inject(MODEL_RESOLVER) private readonly models: ModelResolver,
  ) {}

  onApplicationBootstrap(): void {
    this.subscriptions = [
      this.nc.subscribe(llmChatSubject(this.prefix), { queue: LLM_QUEUE_GROUP, callback: (error, msg) => {
        if (!error) void this.answerChat(msg);
      } }),
      this.nc.subscribe(llmModelsSubject(this.prefix), { queue: LLM_QUEUE_GROUP, callback: (error, msg) => {
        if (!error) void this.answerModels(msg);
      } }),
    ];
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private async answerChat(msg: Msg): Promise<void> {
    const clock = startClock();
    try {
      let body: { request?: unknown; user?: unknown; idempotencyKey?: unknown; runUid?: unknown };
      const text = msg.string();
      // Checked on the text, before parsing: a deep body never reaches recursive code (token estimate, stringify).
      if (jsonTextNestsDeeperThan(text)) throw new LlmCallError(400, 'invalid_request', nestingTooDeepMessage('the request'));
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new LlmCallError(400, 'invalid_request', 'the request is not valid JSON');
      }
      if (typeof body.user !== 'string' || body.user === '') throw new LlmCallError(400, 'invalid_request', 'user (the calling principal) is required');
      const idempotencyKey = optionalToken(body.idempotencyKey, 'idempotencyKey', 255);
      const runUid = optionalToken(body.runUid, 'runUid', 64);
      const request = { ...parseChatRequest(body.request), stream: false };
      const traceparent = msg.headers?.get('traceparent');
      const { completion } = await this.pipeline.complete(request, {
        user: body.user,
        // A NATS request has no connection to lose: nothing ever cancels it.
        signal: new Cancellation(),
        clock,
        ...(traceparent ? { traceparent } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
        ...(runUid ? { runUid } : {}),
      });
      msg.respond(JSON.stringify({ ok: true, completion }));
    } catch (error) {
      const failure = toLlmCallError(error);
      if (failure.type === 'internal') logger.error({ err: error }, 'NATS chat request failed');
      msg.respond(JSON.stringify({ ok: false, error: { status: failure.status, type: failure.type, message: failure.message } }));
    }
  }

  private async answerModels(msg: Msg): Promise<void> {
    try {
      msg.respond(JSON.stringify({ ok: true, models: await this.models.list() }));
    } catch (error) {
      const failure = toLlmCallError(error);
      msg.respond(JSON.stringify({ ok: false, error: { status: failure.status, type: failure.type, message: failure.message } }));
    }
  }
}

/** An optional printable token of the request (no spaces or control characters: it becomes a header). */
function optionalToken(value: unknown, field: string, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !/^[\x21-\x7e]+$/.test(value)) {
    throw new LlmCallError(400, 'invalid_request', `${field} must be 1-${maxLength} printable characters without spaces`);
  }
  return value;
}
