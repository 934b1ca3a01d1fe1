import type { ListedModel } from '../calls/model-resolver';
import { LlmCallError } from '../calls/llm-call-error';

/** The registry keeps no creation time a client could use: OpenAI's `created` is 0, Anthropic's `created_at` the epoch. */
const NO_DATE = '1970-01-01T00:00:00Z';

/** A model as OpenAI's `/v1/models` answers it, with the proxy's extra fields (provider, limits, prices). */
export function openAiModelObject(m: ListedModel): Record<string, unknown> {
  return {
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
  };
}

/** A model as Anthropic's `/v1/models` answers it. */
export function anthropicModelObject(m: ListedModel): { type: 'model'; id: string; display_name: string; created_at: string } {
  return { type: 'model', id: m.id, display_name: m.name ?? m.id, created_at: NO_DATE };
}

/**
 * One page of Anthropic's model list: `limit` (1–1000, default 20), `after_id` or `before_id`
 * (ids of the list, which is in the proxy's order), answered `{data, has_more, first_id, last_id}`.
 */
export function anthropicModelPage(models: ListedModel[], query: Record<string, unknown>): Record<string, unknown> {
  const limitText = query.limit;
  const limit = limitText === undefined ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LlmCallError(400, 'invalid_request', 'limit: must be a whole number from 1 to 1000');
  let start = 0;
  let end = models.length;
  if (typeof query.after_id === 'string') start = models.findIndex((m) => m.id === query.after_id) + 1;
  if (typeof query.before_id === 'string') {
    const before = models.findIndex((m) => m.id === query.before_id);
    end = before < 0 ? models.length : before;
    start = Math.max(0, end - limit);
  }
  const page = models.slice(start, Math.min(end, start + limit)).map(anthropicModelObject);
  const hasMore = typeof query.before_id === 'string' ? start > 0 : start + limit < end;
  return { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null };
}
