import type { ChatRequest } from '@kastra/llm';
import type { Logger } from '@kastra/telemetry';
import type { CallContext } from './call-context';
import type { ModelResolver } from './model-resolver';
import { estimatePromptTokens } from './token-estimate';
import type { UpstreamAttempts } from './upstream-attempts';

/** How a count was made: by the model's provider, or the proxy's own estimate. */
export type TokenCountSource = 'provider' | 'estimate';

/**
 * The input tokens of a request, as `POST /v1/messages/count_tokens` answers them: the provider's
 * own count where it has a count endpoint (Anthropic models — the model's keys, breaker and
 * retries as for a call), else — and when that count fails — the proxy's estimate
 * (`estimatePromptTokens`, ~4 characters a token, the figure limits reserve with). Counting calls
 * no model: it charges no limit and records no usage.
 */
export class TokenCounter {
  constructor(
    private readonly resolver: ModelResolver,
    private readonly attempts: UpstreamAttempts,
    private readonly logger: Logger,
  ) {}

  async count(request: ChatRequest, ctx: CallContext): Promise<{ inputTokens: number; source: TokenCountSource }> {
    // Unknown or disabled models are a 404, as for a call.
    const model = await this.resolver.resolve(request.model);
    const adapter = model.noKeyReason ? undefined : this.attempts.adapterFor(model.provider);
    if (adapter?.countTokens) {
      try {
        const { value } = await this.attempts.run(model, ctx.signal, ctx.clock, (a, call) => a.countTokens!({ ...request, model: model.modelId }, call), { stream: false, traceparent: ctx.traceparent });
        return { inputTokens: value, source: 'provider' };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        // Never the error's text in full: an upstream may echo a key (adapters scrub, this logs the kind only).
        this.logger.warn({ model: model.name, provider: model.provider, kind: (error as { kind?: string }).kind ?? (error as { type?: string }).type }, 'provider token count failed; answering the estimate');
      }
    }
    return { inputTokens: estimatePromptTokens(request), source: 'estimate' };
  }
}
