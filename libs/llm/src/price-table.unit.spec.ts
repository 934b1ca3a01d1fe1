import type { Usage } from './chat-types';
import { costOf, priceOf } from './price-table';

const usage = (prompt: number, completion: number, cached = 0, cacheWrite = 0): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached },
  ...(cacheWrite ? { cache_creation_tokens: cacheWrite } : {}),
});

describe('costOf', () => {
  it('prices a known model per million tokens', () => {
    // gpt-4o: $2.50 in, $10 out per million
    expect(costOf(usage(1_000_000, 100_000), 'openai/gpt-4o')).toEqual({ priced: true, usd: 3.5 });
    expect(costOf(usage(1000, 1000), { provider: 'openai', modelId: 'gpt-4o' })).toEqual({ priced: true, usd: 0.0125 });
  });

  it('charges cached prompt tokens at the cache-read price only, not also at the input price', () => {
    // 1M prompt of which 800k cached: 200k * 2.5 + 800k * 1.25 = 0.5 + 1.0
    expect(costOf(usage(1_000_000, 0, 800_000), 'openai/gpt-4o')).toEqual({ priced: true, usd: 1.5 });
  });

  it('charges Anthropic cache writes at the cache-write price', () => {
    // claude-sonnet-4: 3 in, 15 out, 0.3 read, 3.75 write; 100k uncached + 500k read + 400k write
    const cost = costOf(usage(1_000_000, 0, 500_000, 400_000), 'anthropic/claude-sonnet-4-20250514');
    expect(cost).toEqual({ priced: true, usd: 0.3 + 0.15 + 1.5 });
  });

  it('reports an unknown model as unpriced, never as $0', () => {
    expect(costOf(usage(10, 10), 'openai/some-future-model')).toEqual({ priced: false });
    expect(costOf(usage(10, 10), 'my-local-llama')).toEqual({ priced: false });
  });

  it('gives CNY for providers that bill in CNY', () => {
    // kimi-k2-0905-preview: ¥4 in, ¥16 out, ¥1 cache read
    const cost = costOf(usage(1_000_000, 1_000_000, 500_000), 'kimi/kimi-k2-0905-preview');
    expect(cost).toMatchObject({ priced: true, cny: 2 + 0.5 + 16 });
  });

  it('finds dated snapshots through their family and prefers prices set on the model', () => {
    expect(priceOf('openai', 'gpt-4o-mini-2024-07-18')?.input).toBe(0.15);
    expect(priceOf(undefined, 'gpt-4o-2024-08-06')?.input).toBe(2.5);
    expect(costOf(usage(1_000_000, 1_000_000), { provider: 'openai', modelId: 'gpt-4-turbo', prices: { input: 10, output: 30 } })).toEqual({ priced: true, usd: 40 });
    expect(costOf(usage(1_000_000, 0), { modelId: 'custom', prices: { input: 1, output: 2 } })).toEqual({ priced: true, usd: 1 });
  });
});
