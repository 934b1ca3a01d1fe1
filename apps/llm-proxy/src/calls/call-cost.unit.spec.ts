import type { Usage } from '@kastra/llm';
import { tablePrices } from '../registry/table-prices';
import { callCost } from './call-cost';
import type { ResolvedModel } from './model-resolver';

const usage: Usage = { prompt_tokens: 1_000_000, completion_tokens: 500_000, total_tokens: 1_500_000 };

function model(provider: string, modelId: string, prices?: ResolvedModel['prices']): ResolvedModel {
  return {
    id: `${provider}/${modelId}`, name: modelId, provider, modelId, options: {}, supportsVision: false, limits: {}, fallbacks: [],
    ...(prices ? { prices } : {}),
    keyPool: { size: 0, next: () => undefined, markInvalid: async () => undefined, coolDown: () => undefined },
  };
}

describe('callCost', () => {
  it('given prices set on the model, when costed, then bills at them in USD only', () => {
    expect(callCost(usage, model('openai', 'gpt-4-turbo', { input: 1, output: 2 }))).toEqual({ priced: true, usd: 2 });
  });

  it('given a model resolved from provider defaults with table prices incl. CNY, when costed, then bills each currency at its own list price', () => {
    // DashScope's international (USD) and mainland (CNY) price lists differ: USD is not CNY converted.
    const prices = tablePrices('qwen', 'qwen-max');
    expect(prices).toMatchObject({ input: 1.6, output: 6.4, cacheRead: 0.32, cny: { input: 2.4, output: 9.6 } });
    const cost = callCost(usage, model('qwen', 'qwen-max', prices));
    expect(cost).toEqual({ priced: true, usd: expect.closeTo(1.6 + 3.2, 6), cny: expect.closeTo(2.4 + 4.8, 6) });
  });

  it('given no prices on the model, when costed, then falls back to the table, and an unknown model stays unpriced (not $0)', () => {
    expect(callCost(usage, model('openai', 'gpt-4o-mini'))).toEqual({ priced: true, usd: expect.closeTo(0.15 + 0.3, 6) });
    expect(callCost(usage, model('openai', 'no-such-model'))).toEqual({ priced: false });
    expect(tablePrices('mock', 'echo')).toBeUndefined();
  });
});
