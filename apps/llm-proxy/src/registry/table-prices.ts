import { priceOf, type TokenPrices } from '@kastra/llm';
import type { ModelPrices } from './resolved-model';

/** The shipped price table's list prices of a model (USD, with CNY where known); undefined = unpriced. */
export function tablePrices(provider: string, modelId: string): ModelPrices | undefined {
  const price = priceOf(provider, modelId);
  if (!price || !Number.isFinite(price.input) || !Number.isFinite(price.output)) return undefined;
  return { ...tokenPrices(price), ...(price.cny ? { cny: tokenPrices(price.cny) } : {}) };
}

function tokenPrices(price: TokenPrices): Omit<ModelPrices, 'cny'> {
  return {
    input: price.input,
    output: price.output,
    ...(price.cacheRead !== undefined ? { cacheRead: price.cacheRead } : {}),
    ...(price.cacheWrite !== undefined ? { cacheWrite: price.cacheWrite } : {}),
  };
}
