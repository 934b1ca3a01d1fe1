import type { Usage } from './chat-types';
import { catalogueEntry } from './model-catalogue';
import { costOf, priceOf, type ModelPrice, type TokenPrices } from './price-table';
import table from './price-table.data.json';

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

  it('gives Moonshot V1 its own USD price list, not a conversion of the CNY one', () => {
    // moonshot-v1-8k: $0.20 / $2.00 on platform.moonshot.ai, ¥2 / ¥10 on platform.moonshot.cn
    expect(costOf(usage(1_000_000, 1_000_000), 'kimi/moonshot-v1-8k')).toEqual({ priced: true, usd: 2.2, cny: 12 });
  });

  it('charges DashScope cache hits at the cache-read price in both currencies', () => {
    // qwen-max: $1.60 in, $0.32 cached; ¥2.4 in, ¥0.48 cached. 1M prompt, 500k of it cached
    const cost = costOf(usage(1_000_000, 0, 500_000), 'qwen/qwen-max');
    expect(cost).toEqual({ priced: true, usd: expect.closeTo(0.8 + 0.16, 10), cny: expect.closeTo(1.2 + 0.24, 10) });
  });

  it('prices the current Kimi models from the platform.moonshot.ai and platform.moonshot.cn lists', () => {
    // kimi-k2.5: $0.60 / $3.00 / $0.10 cached, ¥4 / ¥21 / ¥0.7 cached
    expect(costOf(usage(1_000_000, 1_000_000, 500_000), 'kimi/kimi-k2.5')).toEqual({
      priced: true,
      usd: expect.closeTo(0.3 + 0.05 + 3, 10),
      cny: expect.closeTo(2 + 0.35 + 21, 10),
    });
    expect(priceOf('kimi', 'kimi-k2.6')).toMatchObject({ input: 0.95, output: 4, cacheRead: 0.16, cny: { input: 6.5, output: 27, cacheRead: 1.1 } });
    // No verified mainland price for K3: priced in USD only, never a made-up CNY figure.
    expect(costOf(usage(1_000_000, 1_000_000), 'kimi/kimi-k3')).toEqual({ priced: true, usd: 18 });
    // The high-speed K2.7 Code costs twice K2.7 Code: its own row, not the family's.
    expect(priceOf('kimi', 'kimi-k2.7-code-highspeed')).toMatchObject({ input: 1.9, output: 8 });
    expect(priceOf('kimi', 'kimi-k2.7-code')).toMatchObject({ input: 0.95, output: 4 });
  });

  it('keeps the retired Kimi K2 models priced for past usage, the turbo ones at the reduced price', () => {
    expect(priceOf('kimi', 'kimi-k2-thinking')).toMatchObject({ input: 0.6, output: 2.5, cny: { input: 4, output: 16 } });
    expect(priceOf('kimi', 'kimi-k2-thinking-turbo')).toMatchObject({ input: 1.15, output: 8, cny: { input: 8, output: 58 } });
    expect(priceOf('kimi', 'kimi-k2-turbo-preview')).toMatchObject({ input: 1.15, output: 8, cacheRead: 0.15, cny: { input: 8, output: 58, cacheRead: 1 } });
  });

  it('prices the Qwen3 models, and qwen3-max-preview at its own mainland price', () => {
    expect(priceOf('qwen', 'qwen3-max')).toMatchObject({ input: 1.2, output: 6, cny: { input: 2.5, output: 10 } });
    expect(priceOf('qwen', 'qwen3-max-2026-01-23')).toMatchObject({ input: 1.2, output: 6 });
    expect(priceOf('qwen', 'qwen3-max-preview')).toMatchObject({ input: 1.2, output: 6, cny: { input: 6, output: 24 } });
    expect(priceOf('qwen', 'qwen-plus-latest')).toBe(priceOf('qwen', 'qwen-plus'));
    expect(priceOf('qwen', 'qwen-flash')).toMatchObject({ input: 0.05, output: 0.4, cny: { input: 0.15, output: 1.5 } });
    expect(priceOf('qwen', 'qwen3-coder-plus-2025-07-22')).toMatchObject({ input: 1, output: 5, cny: { input: 4, output: 16 } });
    // text-embedding-v3: $0.07 (Singapore), ¥0.5 (Beijing) per million input tokens
    expect(priceOf('qwen', 'text-embedding-v3')).toMatchObject({ input: 0.07, output: 0, cny: { input: 0.5, output: 0 } });
    // USD sources disagree for the open qwen3-235b-a22b family: unpriced rather than guessed.
    expect(costOf(usage(10, 10), 'qwen/qwen3-235b-a22b-instruct-2507')).toEqual({ priced: false });
  });

  it('prices snapshots and variants that cost differently from their family at their own rows', () => {
    expect(priceOf('openai', 'gpt-4o-2024-05-13')).toMatchObject({ input: 5, output: 15 });
    expect(priceOf('openai', 'gpt-4-0125-preview')).toMatchObject({ input: 10, output: 30 });
    expect(priceOf('openai', 'o3-deep-research-2025-06-26')).toMatchObject({ input: 10, output: 40 });
    expect(priceOf('anthropic', 'claude-opus-4-5-20251101')).toMatchObject({ input: 5, output: 25, cacheWrite: 6.25 });
    expect(priceOf('anthropic', 'claude-opus-4-1-20250805')).toMatchObject({ input: 15, output: 75 });
    expect(priceOf('google', 'gemini-2.0-flash-lite-001')).toMatchObject({ input: 0.075, output: 0.3 });
  });

  it('finds dated snapshots through their family and prefers prices set on the model', () => {
    expect(priceOf('openai', 'gpt-4o-mini-2024-07-18')?.input).toBe(0.15);
    expect(priceOf(undefined, 'gpt-4o-2024-08-06')?.input).toBe(2.5);
    expect(costOf(usage(1_000_000, 1_000_000), { provider: 'openai', modelId: 'gpt-4-turbo', prices: { input: 10, output: 30 } })).toEqual({ priced: true, usd: 40 });
    expect(costOf(usage(1_000_000, 0), { modelId: 'custom', prices: { input: 1, output: 2 } })).toEqual({ priced: true, usd: 1 });
  });
});

describe('the shipped price table', () => {
  const CNY_PROVIDERS = ['qwen', 'kimi'];
  // Rows with a verified USD (international) price but no verified mainland one (README: not verified).
  const USD_ONLY = ['kimi/kimi-k3', 'kimi/kimi-k2.7-code-highspeed'];
  const rows = Object.entries(table)
    .filter(([key]) => !key.startsWith('_'))
    .map(([key, price]) => ({ key, provider: key.slice(0, key.indexOf('/')), modelId: key.slice(key.indexOf('/') + 1), price: price as ModelPrice }));
  const isEmbedding = (provider: string, modelId: string) => catalogueEntry(provider, modelId)?.type === 'embedding';

  function expectSane(key: string, prices: TokenPrices, embedding: boolean): void {
    expect({ key, input: prices.input > 0 }).toEqual({ key, input: true });
    // Embeddings produce no output tokens; every other model must charge for them.
    expect({ key, output: embedding ? prices.output === 0 : prices.output > 0 }).toEqual({ key, output: true });
    if (prices.cacheRead !== undefined) expect({ key, cacheReadBelowInput: prices.cacheRead > 0 && prices.cacheRead < prices.input }).toEqual({ key, cacheReadBelowInput: true });
    if (prices.cacheWrite !== undefined) expect({ key, cacheWriteAboveInput: prices.cacheWrite > prices.input }).toEqual({ key, cacheWriteAboveInput: true });
  }

  it('prices every entry above zero (output zero only for catalogued embedding models), with cache prices on the right side of input', () => {
    expect(rows.length).toBeGreaterThan(40);
    for (const { key, provider, modelId, price } of rows) {
      const embedding = isEmbedding(provider, modelId);
      if (/embed/.test(modelId)) expect({ key, embedding }).toEqual({ key, embedding: true });
      expectSane(key, price, embedding);
    }
  });

  it('keeps the CNY price list to the providers that bill in CNY, with the same fields as the USD one', () => {
    for (const { key, provider, modelId, price } of rows) {
      if (!CNY_PROVIDERS.includes(provider)) {
        expect({ key, cny: price.cny }).toEqual({ key, cny: undefined });
        continue;
      }
      // Every qwen/kimi row has its mainland price, except the few whose CNY price no source confirms.
      expect({ key, hasCny: price.cny !== undefined }).toEqual({ key, hasCny: !USD_ONLY.includes(key) });
      if (price.cny === undefined) continue;
      const cny = price.cny as TokenPrices;
      expectSane(`${key} (cny)`, cny, isEmbedding(provider, modelId));
      expect({ key, fields: Object.keys(cny).sort() }).toEqual({ key, fields: Object.keys(price).filter((field) => field !== 'cny').sort() });
      // A CNY list price below its USD one means the currencies were swapped or mistyped.
      expect({ key, cnyNotBelowUsd: cny.input >= price.input && cny.output >= price.output }).toEqual({ key, cnyNotBelowUsd: true });
    }
  });

  it('names the source and the check date of every priced provider', () => {
    const sources = table._sources as Record<string, { source: string; checked: string }>;
    for (const provider of new Set(rows.map((row) => row.provider))) {
      expect({ provider, source: sources[provider]?.source ?? '' }).toEqual({ provider, source: expect.stringMatching(/^.{10,}$/) });
      expect({ provider, checked: sources[provider]?.checked }).toEqual({ provider, checked: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    }
  });
});
