import { catalogueEntry, filterModels, listProviderModels, parseModelHandle, shippedModels } from './model-catalogue';
import shipped from './model-catalogue.data.json';
import { createProviderAdapter } from './providers';
import { startMockOpenAIServer } from './testing';

describe('model catalogue', () => {
  it('parses provider/model handles, splitting at the first slash only', () => {
    expect(parseModelHandle('openai/gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o' });
    expect(parseModelHandle('groq/openai/gpt-oss-20b')).toEqual({ provider: 'groq', model: 'openai/gpt-oss-20b' });
    expect(parseModelHandle('gpt-4o')).toBeUndefined();
    expect(parseModelHandle('/gpt-4o')).toBeUndefined();
    expect(parseModelHandle('openai/')).toBeUndefined();
  });

  it('ships the Kimi K2 models with their context windows', () => {
    expect(catalogueEntry('kimi', 'kimi-k2-0905-preview')?.contextWindow).toBe(262144);
    expect(catalogueEntry('kimi', 'kimi-k2-0711-preview')?.contextWindow).toBe(131072);
    expect(catalogueEntry('kimi', 'kimi-k2-turbo-preview')?.contextWindow).toBe(262144);
    // Moonshot caps prompt + completion by the context window only; it publishes no separate output limit.
    expect(catalogueEntry('kimi', 'kimi-k2-0905-preview')?.maxOutputTokens).toBeUndefined();
    expect(catalogueEntry('openai', 'gpt-4o-2024-08-06')).toMatchObject({ id: 'gpt-4o-2024-08-06', contextWindow: 128000 });
  });

  it('lists from the API and falls back to the shipped list when the API fails', async () => {
    // Given a Kimi-compatible upstream listing chat and non-chat models
    const server = await startMockOpenAIServer({ models: ['kimi-k2-0905-preview', 'moonshot-v1-8k', 'some-other-thing'] });
    const kimi = createProviderAdapter('kimi');
    try {
      const call = { apiKey: 'sk-kimi-test-123456789', baseUrl: server.baseUrl, signal: new AbortController().signal };
      // When it answers, the Kimi filter keeps the moonshot-/kimi- families
      const listed = await listProviderModels(kimi, call);
      expect(listed.source).toBe('api');
      expect(listed.models.map((m) => [m.id, m.contextWindow])).toEqual([['kimi-k2-0905-preview', 262144], ['moonshot-v1-8k', 8192]]);
      // When it fails, the shipped list is returned with the reason (and no key)
      server.scenario = 'server_error';
      const fallback = await listProviderModels(kimi, call, { search: 'k2' });
      expect(fallback.source).toBe('catalogue');
      expect(fallback.error).toMatch(/^server:/);
      expect(fallback.models.map((m) => m.id)).toEqual(['kimi-k2-0905-preview', 'kimi-k2-0711-preview', 'kimi-k2-turbo-preview']);
    } finally {
      await server.close();
    }
  });

  it('ships no model whose max output exceeds its context window', () => {
    for (const model of Object.keys(shipped).flatMap((provider) => shippedModels(provider))) {
      const { provider, id, contextWindow, maxOutputTokens } = model;
      expect({ provider, id, contextWindow: (contextWindow ?? 0) > 0 }).toEqual({ provider, id, contextWindow: true });
      if (maxOutputTokens !== undefined) expect({ provider, id, fits: maxOutputTokens > 0 && maxOutputTokens <= (contextWindow ?? 0) }).toEqual({ provider, id, fits: true });
    }
  });

  it('filters by type, vision, tools and context window', () => {
    const openai = shippedModels('openai');
    expect(filterModels(openai, { type: 'embedding' }).every((m) => m.type === 'embedding')).toBe(true);
    expect(filterModels(openai, { minContextWindow: 1_000_000 }).map((m) => m.id)).toEqual(['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano']);
    expect(filterModels(openai, { supportsVision: false, type: 'chat' }).map((m) => m.id)).toContain('gpt-3.5-turbo');
  });
});
