import { costOf, type Cost, type Usage } from '@kastra/llm';
import type { ResolvedModel } from './model-resolver';

/**
 * The cost of a call: the model's prices when it has them (set by admins per model, or taken from
 * the price table when the model was resolved from provider defaults), else the shipped price
 * table. A model without prices stays unpriced, never $0.
 */
export function callCost(usage: Usage, model: ResolvedModel): Cost {
  if (!model.prices) return costOf(usage, { provider: model.provider, modelId: model.modelId });
  const { cny, ...usdPrices } = model.prices;
  const usd = costOf(usage, { modelId: model.modelId, prices: usdPrices });
  if (!usd.priced || !cny) return usd;
  const inCny = costOf(usage, { modelId: model.modelId, prices: cny });
  return inCny.priced ? { ...usd, cny: inCny.usd } : usd;
}
