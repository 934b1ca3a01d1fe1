import type { Usage } from './chat-types';
import table from './price-table.data.json';

/** Prices per million tokens in one currency. */
export interface TokenPrices {
  input: number;
  output: number;
  /** Cached prompt tokens; when unknown they cost the input price. */
  cacheRead?: number;
  /** Prompt tokens written to the cache (Anthropic); when unknown they cost the input price. */
  cacheWrite?: number;
}

export interface ModelPrice extends TokenPrices {
  cny?: TokenPrices;
}

export type Cost = { priced: true; usd: number; cny?: number } | { priced: false };

/** A model as the proxy knows it: prices set on the model (admin API) win over the table. */
export interface PricedModel {
  provider?: string;
  modelId: string;
  prices?: TokenPrices;
}

const PRICES = Object.fromEntries(Object.entries(table).filter(([key]) => !key.startsWith('_'))) as Record<string, ModelPrice>;

/**
 * The list price of a model: `provider/model` first, then the model id under any provider, then
 * the longest family prefix (gpt-4o-2024-08-06 -> gpt-4o). Undefined means unpriced.
 */
export function priceOf(provider: string | undefined, modelId: string): ModelPrice | undefined {
  // Asked on every call of a model without prices of its own: the table is fixed, remember answers.
  const key = `${provider ?? ''}\u0000${modelId}`;
  if (lookups.has(key)) return lookups.get(key);
  if (lookups.size >= MAX_REMEMBERED_LOOKUPS) lookups.clear();
  const price = lookUp(provider, modelId);
  lookups.set(key, price);
  return price;
}

/** Answers of priceOf, by provider and model id (undefined = unpriced); dropped when full. */
const lookups = new Map<string, ModelPrice | undefined>();
const MAX_REMEMBERED_LOOKUPS = 4096;

function lookUp(provider: string | undefined, modelId: string): ModelPrice | undefined {
  const candidates = provider ? [`${provider}/${modelId}`] : [];
  for (const key of candidates) if (PRICES[key]) return PRICES[key];
  const keys = Object.keys(PRICES).filter((key) => (provider ? key.startsWith(`${provider}/`) : true));
  const idOf = (key: string) => (provider ? key.slice(provider.length + 1) : key.slice(key.indexOf('/') + 1));
  const exact = keys.find((key) => idOf(key) === modelId);
  if (exact) return PRICES[exact];
  const family = keys.filter((key) => modelId.startsWith(`${idOf(key)}-`)).sort((a, b) => idOf(b).length - idOf(a).length)[0];
  return family ? PRICES[family] : undefined;
}

/**
 * What a call cost. Cached prompt tokens are charged at the cache-read price and NOT also at the
 * input price; cache writes at the cache-write price. An unknown model is unpriced, never $0.
 */
export function costOf(usage: Usage, model: string | PricedModel): Cost {
  const { provider, modelId, prices } = typeof model === 'string' ? splitHandle(model) : model;
  const price: ModelPrice | undefined = prices ?? priceOf(provider, modelId);
  if (!price || !Number.isFinite(price.input) || !Number.isFinite(price.output)) return { priced: false };
  const usd = amount(usage, price);
  const cny = prices ? undefined : price.cny ? amount(usage, price.cny) : undefined;
  return cny === undefined ? { priced: true, usd } : { priced: true, usd, cny };
}

function amount(usage: Usage, price: TokenPrices): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.cache_creation_tokens ?? 0;
  const uncached = Math.max(0, usage.prompt_tokens - cached - cacheWrite);
  const total =
    uncached * price.input +
    cached * (price.cacheRead ?? price.input) +
    cacheWrite * (price.cacheWrite ?? price.input) +
    usage.completion_tokens * price.output;
  // Rounded to 1e-10 USD so float noise (0.1 * 3) does not show up in reports.
  return Math.round((total / 1e6) * 1e10) / 1e10;
}

function splitHandle(model: string): PricedModel {
  const slash = model.indexOf('/');
  const provider = slash > 0 ? model.slice(0, slash) : undefined;
  if (provider && Object.keys(PRICES).some((key) => key.startsWith(`${provider}/`))) {
    return { provider, modelId: model.slice(slash + 1) };
  }
  return { modelId: model };
}
