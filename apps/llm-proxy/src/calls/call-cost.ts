import { costOf, type Cost, type Usage } from '@kastra/llm';
import type { ResolvedModel } from './model-resolver';

/**
 * The cost of a call: the registry's prices when the model has them (admins set them per model),
 * else the shipped price table. A model without prices stays unpriced, never $0.
 */
export function callCost(usage: Usage, model: ResolvedModel): Cost {
  return costOf(usage, { provider: model.provider, modelId: model.modelId, ...(model.prices ? { prices: model.prices } : {}) });
}
