import type { ChatCompletion, ChatCompletionChunk, ChatRequest, EmbeddingRequest, EmbeddingResponse, Usage } from '@kastra/llm';
import { ProviderError } from '@kastra/llm';
import { NotFoundError } from '@kastra/api';
import type { Logger } from '@kastra/telemetry';
import type { LimitCharge, RateLimiter, Reservation } from '../limits/rate-limiter';
import type { UserLimits } from '../limits/user-limits';
import type { LlmCallRecorded, LlmCallStatus } from '../usage/llm-call-recorded';
import type { UsageRecorder } from '../usage/usage-recorder';
import { callCost } from './call-cost';
import type { CallClock, CallContext } from './call-context';
import { LlmCallError, RateLimitRefusal, toLlmCallError } from './llm-call-error';
import { llmMetrics } from './llm-metrics';
import type { ProxySettings } from './proxy-settings';
import type { ModelResolver, ResolvedModel } from './model-resolver';
import { estimatePromptTokens, estimateTextTokens, tokensOfChars } from './token-estimate';
import type { AttemptResult, UpstreamAttempts } from './upstream-attempts';

/** A call under way: which model serves it, its reservations, and its clock. */
interface CallInFlight {
  ctx: CallContext;
  clock: CallClock;
  primary: ResolvedModel;
  handle: string;
  model: ResolvedModel;
  fallbackFrom?: string;
  reservations: Reservation[];
  /** Where the primary model's reservation starts in `reservations` (reserved in `begin`, with the user's). */
  primaryReservedAt: number;
  /** The primary model's own limit refused the call in `begin` (the user's charges stand): fallbacks come next. */
  primaryRefusal?: RateLimitRefusal;
  promptEstimate: number;
  /** Prompt estimate + completion reserve: what each TPM limit is charged before the call. */
  tokensReserved: number;
  stream: boolean;
}

/** A stream whose first chunk has arrived; iterating it relays the rest and records the call. */
export interface ProxyStream {
  model: ResolvedModel;
  clock: CallClock;
  chunks: AsyncIterable<ChatCompletionChunk>;
}

/**
 * The call path of every model call, whatever the endpoint: resolve the model, charge the
 * per-user and per-model limits, call the upstream with retries and key rotation, fall back to
 * other models, then settle the token budget, record one usage event and the metrics.
 */
export class ChatPipeline {
  constructor(
    private readonly resolver: ModelResolver,
    private readonly limiter: RateLimiter,
    private readonly userLimits: UserLimits,
    private readonly attempts: UpstreamAttempts,
    private readonly usage: UsageRecorder,
    private readonly settings: ProxySettings,
    private readonly logger: Logger,
  ) {}

  async complete(request: ChatRequest, ctx: CallContext): Promise<{ completion: ChatCompletion; model: ResolvedModel; clock: CallClock }> {
    const call = await this.begin(request.model, ctx, estimatePromptTokens(request), completionReserve(request, this.settings), false);
    try {
      const result = await this.withFallbacks(call, (model) =>
        this.attempts.run(model, ctx.signal, call.clock, (adapter, upstream) => adapter.chat(upstreamRequest(request, model), upstream), { stream: false, traceparent: ctx.traceparent, idempotencyKey: ctx.idempotencyKey }),
      );
      const completion = { ...result.value.completion, model: request.model };
      this.finish(call, result.keyId, 'ok', result.value.usage);
      return { completion, model: call.model, clock: call.clock };
    } catch (error) {
      throw await this.fail(call, error);
    }
  }

  /** Resolves once the first chunk is in (retries and fallbacks happen before it, never after). */
  async stream(request: ChatRequest, ctx: CallContext): Promise<ProxyStream> {
    const call = await this.begin(request.model, ctx, estimatePromptTokens(request), completionReserve(request, this.settings), true);
    let result: AttemptResult<{ iterator: AsyncIterator<ChatCompletionChunk>; first: IteratorResult<ChatCompletionChunk> }>;
    try {
      result = await this.withFallbacks(call, (model) =>
        this.attempts.run(
          model,
          ctx.signal,
          call.clock,
          async (adapter, upstream) => {
            const iterator = adapter.chatStream({ ...upstreamRequest(request, model), stream: true, stream_options: { include_usage: true } }, upstream)[Symbol.asyncIterator]();
            return { iterator, first: await iterator.next() };
          },
          { stream: true, traceparent: ctx.traceparent, idempotencyKey: ctx.idempotencyKey },
        ),
      );
    } catch (error) {
      throw await this.fail(call, error);
    }
    return { model: call.model, clock: call.clock, chunks: this.relay(call, result, request.model) };
  }

  async embeddings(request: EmbeddingRequest, ctx: CallContext): Promise<{ response: EmbeddingResponse; clock: CallClock }> {
    const inputs = Array.isArray(request.input) ? request.input : [request.input];
    const estimate = inputs.reduce((sum, text) => sum + estimateTextTokens(String(text)), 0);
    const call = await this.begin(request.model, ctx, estimate, 0, false);
    // Upstreams are always asked for floats (the response is the proxy's to read); the client's
    // encoding_format is applied to the answer at the HTTP edge.
    const { encoding_format: _clientEncoding, ...upstreamRequest } = request;
    try {
      const result = await this.withFallbacks(call, (model) =>
        this.attempts.run(
          model,
          ctx.signal,
          call.clock,
          (adapter, upstream) => {
            if (!adapter.embeddings) throw new LlmCallError(400, 'invalid_request', `provider ${model.provider} has no embeddings`);
            return adapter.embeddings({ ...upstreamRequest, model: model.modelId }, upstream);
          },
          { stream: false, traceparent: ctx.traceparent },
        ),
      );
      const usage = result.value.usage;
      this.finish(call, result.keyId, 'ok', { prompt_tokens: usage.prompt_tokens, completion_tokens: 0, total_tokens: usage.total_tokens });
      return { response: { ...result.value, model: request.model }, clock: call.clock };
    } catch (error) {
      throw await this.fail(call, error);
    }
  }

  private async *relay(
    call: CallInFlight,
    result: AttemptResult<{ iterator: AsyncIterator<ChatCompletionChunk>; first: IteratorResult<ChatCompletionChunk> }>,
    clientModel: string,
  ): AsyncGenerator<ChatCompletionChunk> {
    const { iterator } = result.value;
    const signal = result.signal;
    let next = result.value.first;
    let usage: Usage | undefined;
    let streamedChars = 0;
    let status: LlmCallStatus = 'cancelled';
    let failure: ProviderError | undefined;
    try {
      while (!next.done) {
        const chunk = next.value;
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices) {
          streamedChars += choice.delta.content?.length ?? 0;
          for (const toolCall of choice.delta.tool_calls ?? []) streamedChars += (toolCall.function?.name?.length ?? 0) + (toolCall.function?.arguments?.length ?? 0);
        }
        yield { ...chunk, model: clientModel };
        signal.arm(this.settings.streamIdleTimeoutMs);
        const started = performance.now();
        try {
          next = await iterator.next();
        } finally {
          call.clock.upstreamMs += performance.now() - started;
        }
      }
      status = 'ok';
    } catch (error) {
      failure = signal.classify(error, call.model.provider);
      status = failure.kind === 'cancelled' ? 'cancelled' : 'error';
      if (failure.kind !== 'cancelled') llmMetrics().errors.inc({ provider: call.model.provider, model: call.model.name, status: failure.kind });
      throw toLlmCallError(failure);
    } finally {
      signal.dispose();
      if (status !== 'ok') {
        // The client left (or the stream failed): stop the upstream so it stops generating and billing.
        signal.abort();
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
      }
      // Tokens already generated are billed even when the upstream never sent its usage.
      const completionTokens = tokensOfChars(streamedChars);
      const billed = usage ?? { prompt_tokens: call.promptEstimate, completion_tokens: completionTokens, total_tokens: call.promptEstimate + completionTokens };
      this.finish(call, result.keyId, status, billed, failure?.kind);
    }
  }

  /**
   * Resolves the model and reserves the caller's and the primary model's budgets in one Redis
   * round trip: the user's charges first, then the model's, as two reservations one after the
   * other would (a refused user charges nothing to the model; a refused model leaves the user's
   * charges reserved, for its fallbacks). A fallback model is reserved only when it is tried.
   */
  private async begin(handle: string, ctx: CallContext, promptEstimate: number, completionReserve: number, stream: boolean): Promise<CallInFlight> {
    let primary: ResolvedModel;
    try {
      primary = await this.resolver.resolve(handle);
    } catch (error) {
      if (error instanceof NotFoundError) throw new LlmCallError(404, 'model_not_found', `the model "${handle}" does not exist or is not enabled`);
      throw error;
    }
    const call: CallInFlight = {
      ctx,
      clock: ctx.clock,
      primary,
      handle,
      model: primary,
      reservations: [],
      primaryReservedAt: 0,
      promptEstimate,
      tokensReserved: promptEstimate + completionReserve,
      stream,
    };
    const tokens = call.tokensReserved;
    // The user's own limits (an admin's row) or the defaults; from memory but for a cache miss.
    const limits = await this.userLimits.limitsOf(ctx.user);
    const userCharges: LimitCharge[] = [];
    if (limits.rpm !== undefined) userCharges.push({ scope: `user:${ctx.user}`, metric: 'rpm', limit: limits.rpm, amount: 1 });
    if (limits.tpm !== undefined) userCharges.push({ scope: `user:${ctx.user}`, metric: 'tpm', limit: limits.tpm, amount: tokens });
    llmMetrics().active.inc({ provider: primary.provider, model: primary.name });
    try {
      const reserved = await this.limiter.reserveInTurn([userCharges, this.modelCharges(primary, call)]);
      const [user, model] = reserved.reservations;
      if (user && user.charges.length > 0) call.reservations.push(user);
      call.primaryReservedAt = call.reservations.length;
      if (model && model.charges.length > 0) call.reservations.push(model);
      if (reserved.refused?.group === 0) throw this.refusal('user', primary, reserved.refused);
      if (reserved.refused) call.primaryRefusal = this.refusal('model', primary, reserved.refused);
    } catch (error) {
      // Recorded like a refusal by the model's limit: one usage event, status rate_limited.
      throw await this.fail(call, error);
    }
    return call;
  }

  /** Reserves a fallback model's budget (the primary's is reserved in `begin`). */
  private async reserve(call: CallInFlight, model: ResolvedModel, charges: LimitCharge[]): Promise<void> {
    if (charges.length === 0) return;
    const result = await this.limiter.reserve(charges);
    if (!result.granted) throw this.refusal('model', model, result);
    call.reservations.push(result.reservation);
  }

  /** The 429 for a limit that refused the call, counted as a hit of that scope. */
  private refusal(scope: 'user' | 'model', model: ResolvedModel, refused: { charge: LimitCharge; retryAfterMs: number }): RateLimitRefusal {
    llmMetrics().rateLimitHits.inc({ provider: model.provider, model: model.name, scope });
    const { charge } = refused;
    return new RateLimitRefusal(
      `${scope}_${charge.metric}`,
      `${scope === 'user' ? 'your' : `the model ${model.name}'s`} ${charge.metric.toUpperCase()} limit of ${charge.limit} per minute is reached`,
      refused.retryAfterMs,
    );
  }

  private modelCharges(model: ResolvedModel, call: CallInFlight): LimitCharge[] {
    const charges: LimitCharge[] = [];
    const tokens = call.tokensReserved;
    if (model.limits.rpm !== undefined) charges.push({ scope: `model:${model.id}`, metric: 'rpm', limit: model.limits.rpm, amount: 1 });
    if (model.limits.tpm !== undefined) charges.push({ scope: `model:${model.id}`, metric: 'tpm', limit: model.limits.tpm, amount: tokens });
    return charges;
  }

  /** Tries the model, then each fallback in order; a model whose own limit is reached is skipped. */
  private async withFallbacks<T>(call: CallInFlight, attempt: (model: ResolvedModel) => Promise<AttemptResult<T>>): Promise<AttemptResult<T>> {
    const handles = [call.handle, ...call.primary.fallbacks];
    let lastError: unknown;
    for (const [index, handle] of handles.entries()) {
      let model: ResolvedModel;
      try {
        model = index === 0 ? call.primary : await this.resolver.resolve(handle);
      } catch (error) {
        this.logger.warn({ model: call.handle, fallback: handle }, 'fallback model does not resolve; skipped');
        continue;
      }
      // The primary's reservation (or refusal) came with the user's, in begin.
      const reservationsBefore = index === 0 ? call.primaryReservedAt : call.reservations.length;
      try {
        if (index === 0 && call.primaryRefusal) throw call.primaryRefusal;
        if (index > 0) await this.reserve(call, model, this.modelCharges(model, call));
        call.model = model;
        if (index > 0) call.fallbackFrom = call.handle;
        const result = await attempt(model);
        if (index > 0) call.handle = handle;
        return result;
      } catch (error) {
        // The model did not answer: give its token reservation back before trying the next one.
        const released = call.reservations.splice(reservationsBefore);
        if (released.length > 0) await this.limiter.settle(released, 0).catch(() => undefined);
        lastError = error;
        if (!fallbackMayHelp(error) || index === handles.length - 1) break;
        this.logger.warn({ model: model.name, fallback: handles[index + 1], kind: (error as { kind?: string; type?: string }).kind ?? (error as { type?: string }).type }, 'falling back to the next model');
      }
    }
    throw lastError ?? new LlmCallError(404, 'model_not_found', `no fallback of "${call.handle}" resolves`);
  }

  private async fail(call: CallInFlight, error: unknown): Promise<LlmCallError> {
    const failure = toLlmCallError(error);
    // The answer says only "internal error": the cause must reach the log (never the request, which may carry a key).
    if (failure.type === 'internal' && failure !== error) this.logger.error({ err: error, model: call.handle }, 'call failed with an unexpected error');
    if (failure instanceof RateLimitRefusal) {
      // Refused by the proxy's own limit (user or model, whichever): nothing went upstream, no tokens.
      this.finish(call, null, 'rate_limited', undefined, failure.limit);
      return failure;
    }
    const status: LlmCallStatus = failure.type === 'cancelled' ? 'cancelled' : 'error';
    // A client that leaves after the prompt went upstream has still cost its prompt: bill the estimate.
    const billed = status === 'cancelled' && call.clock.upstreamMs > 0 ? { prompt_tokens: call.promptEstimate, completion_tokens: 0, total_tokens: call.promptEstimate } : undefined;
    this.finish(call, null, status, billed, failure.type);
    return failure;
  }

  /**
   * Settles the budgets with the real usage, records the usage event and the metrics. The
   * settlement (one Redis round trip for all the call's reservations) is sent right after the
   * answer is written, not waited for: it goes out on this process's Redis connection before any
   * reservation of a request this process reads after the answer.
   */
  private finish(call: CallInFlight, keyId: string | null, status: LlmCallStatus, usage: Usage | undefined, errorKind?: string): void {
    const model = call.model;
    const used = usage ? usage.prompt_tokens + usage.completion_tokens : 0;
    if (call.reservations.length > 0) {
      const reservations = call.reservations;
      setImmediate(() => this.limiter.settle(reservations, used).catch((error) => this.logger.warn({ err: error }, 'could not settle a token reservation')));
    }
    const latencyMs = performance.now() - call.clock.startedAt;
    const metrics = llmMetrics();
    const labels = { provider: model.provider, model: model.name, status: status === 'ok' || status === 'rate_limited' ? status : (errorKind ?? status) };
    metrics.active.dec({ provider: call.primary.provider, model: call.primary.name });
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, latencyMs / 1000);
    // Refusals are counted by llm_rate_limit_hits_total, not as errors.
    if (status !== 'ok' && status !== 'rate_limited') metrics.errors.inc(labels);
    const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const cost = usage ? callCost(usage, model) : { priced: false as const };
    if (usage) {
      metrics.tokens.inc({ provider: model.provider, model: model.name, type: 'prompt' }, usage.prompt_tokens);
      metrics.tokens.inc({ provider: model.provider, model: model.name, type: 'completion' }, usage.completion_tokens);
      if (cached > 0) metrics.tokens.inc({ provider: model.provider, model: model.name, type: 'cached' }, cached);
      if (cost.priced) {
        metrics.cost.inc({ provider: model.provider, model: model.name, currency: 'usd' }, cost.usd);
        if (cost.cny !== undefined) metrics.cost.inc({ provider: model.provider, model: model.name, currency: 'cny' }, cost.cny);
      }
    }
    const event: LlmCallRecorded = {
      user: call.ctx.user,
      model: call.handle,
      provider: model.provider,
      keyId,
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      cachedTokens: cached,
      cacheWriteTokens: usage?.cache_creation_tokens ?? 0,
      costUsd: usage && cost.priced ? cost.usd : null,
      costCny: usage && cost.priced ? (cost.cny ?? null) : null,
      priced: cost.priced,
      latencyMs: Math.round(latencyMs),
      status,
      ...(errorKind ? { errorKind } : {}),
      stream: call.stream,
      ...(call.fallbackFrom ? { fallbackFrom: call.fallbackFrom } : {}),
      ...(call.ctx.runUid ? { runUid: call.ctx.runUid } : {}),
    };
    this.usage.record(event, call.ctx.traceparent);
  }
}

/** Bad requests fail the same on every model; a cancelled call has nobody left to answer. */
function fallbackMayHelp(error: unknown): boolean {
  if (error instanceof ProviderError) return error.kind !== 'bad_request' && error.kind !== 'cancelled';
  if (error instanceof LlmCallError) return error.type !== 'invalid_request' && error.type !== 'cancelled';
  return false;
}

/** Completion tokens reserved for a request: its max_tokens, else the proxy's default. */
function completionReserve(request: ChatRequest, settings: ProxySettings): number {
  return request.max_completion_tokens ?? request.max_tokens ?? settings.defaultCompletionReserve;
}

/** The request as the upstream sees it: its own model id, the model's defaults under the request's values. */
function upstreamRequest(request: ChatRequest, model: ResolvedModel): ChatRequest {
  const options = model.options as { temperature?: number; maxTokens?: number; topP?: number };
  const upstream: ChatRequest = { ...request, model: model.modelId, stream: false };
  delete upstream.stream_options;
  if (upstream.temperature === undefined && typeof options.temperature === 'number') upstream.temperature = options.temperature;
  if (upstream.top_p === undefined && typeof options.topP === 'number') upstream.top_p = options.topP;
  if (upstream.max_tokens === undefined && upstream.max_completion_tokens === undefined && typeof options.maxTokens === 'number') upstream.max_tokens = options.maxTokens;
  if (!model.supportsVision && hasImages(request)) {
    throw new LlmCallError(400, 'invalid_request', `the model ${model.name} does not accept images`);
  }
  return upstream;
}

function hasImages(request: ChatRequest): boolean {
  return request.messages.some((m) => Array.isArray(m.content) && (m.content as Array<{ type: string }>).some((p) => p.type === 'image_url'));
}
