import { costOf, type Usage } from '@kastra/llm';
import type { ResolvedModel } from './model-resolver';

export type CallCost = { priced: true; usd: number; cny?: number } | { priced: false };

/**
 * The cost of a call: the registry's prices when the model has them (admins set them per model),
 * else the shipped price table. Cached prompt tokens are charged at the cache-read price only,
 * cache writes at the cache-write price; a model without prices stays unpriced, never $0.
 */
export function callCost(usage: Usage, model: ResolvedModel): CallCost {
  const prices = model.prices;
  if (!prices) return costOf(usage, model.modelId) as CallCost;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.cache_creation_tokens ?? 0;
  const plainPrompt = Math.max(0, usage.prompt_tokens - cached - cacheWrite);
  const usd =
    (plainPrompt * prices.input +
      cached * (prices.cacheRead ?? prices.input) +
      cacheWrite * (prices.cacheWrite ?? prices.input) +
      usage.completion_tokens * prices.output) /
    1_000_000;
  return { priced: true, usd };
}
