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

  it('ships the current Kimi models with their context windows and no output limit', () => {
    // platform.kimi.ai: K2.5, K2.6 and K2.7 Code have 256k (262,144) of context, K3 1M (1,048,576)
    for (const id of ['kimi-k2.5', 'kimi-k2.6', 'kimi-k2.7-code', 'kimi-k2.7-code-highspeed']) {
      expect({ id, contextWindow: catalogueEntry('kimi', id)?.contextWindow }).toEqual({ id, contextWindow: 262144 });
    }
    expect(catalogueEntry('kimi', 'kimi-k3')).toMatchObject({ contextWindow: 1048576, supportsVision: true, supportsTools: true });
    expect(catalogueEntry('kimi', 'kimi-k2.6')).toMatchObject({ supportsVision: true, supportsTools: true });
    // Moonshot caps prompt + completion by the context window only; it publishes no separate output limit.
    expect(shippedModels('kimi').filter((m) => m.maxOutputTokens !== undefined)).toEqual([]);
    expect(catalogueEntry('openai', 'gpt-4o-2024-08-06')).toMatchObject({ id: 'gpt-4o-2024-08-06', contextWindow: 128000 });
  });

  it('keeps the retired Kimi K2 previews that examples still name, marked retired, and drops the other retired Kimi models', () => {
    // Moonshot retired the kimi-k2 series on 2026-05-25; examples/providers/kimi-k2.yaml still uses 0711.
    expect(catalogueEntry('kimi', 'kimi-k2-0905-preview')?.contextWindow).toBe(262144);
    expect(catalogueEntry('kimi', 'kimi-k2-0711-preview')?.contextWindow).toBe(131072);
    const retired = (shipped.kimi as Array<{ id: string; retired?: string }>).filter((m) => m.retired !== undefined);
    expect(retired).toEqual([
      { id: 'kimi-k2-0905-preview', contextWindow: 262144, supportsVision: false, supportsTools: true, retired: '2026-05-25' },
      { id: 'kimi-k2-0711-preview', contextWindow: 131072, supportsVision: false, supportsTools: true, retired: '2026-05-25' },
    ]);
    for (const id of ['kimi-k2-turbo-preview', 'kimi-k2-thinking', 'kimi-k2-thinking-turbo', 'kimi-latest', 'kimi-thinking-preview']) {
      expect({ id, shipped: catalogueEntry('kimi', id) }).toEqual({ id, shipped: undefined });
    }
  });

  it('ships the Qwen3 models and the current qwen-plus / qwen-flash limits', () => {
    expect(catalogueEntry('qwen', 'qwen3-max')).toMatchObject({ contextWindow: 262144, maxOutputTokens: 65536, supportsTools: true, supportsVision: false });
    expect(catalogueEntry('qwen', 'qwen-plus')).toMatchObject({ contextWindow: 1000000, maxOutputTokens: 32768 });
    expect(catalogueEntry('qwen', 'qwen-flash')).toMatchObject({ contextWindow: 1000000, maxOutputTokens: 32768 });
    expect(catalogueEntry('qwen', 'qwen3-coder-plus')).toMatchObject({ contextWindow: 1000000, maxOutputTokens: 65536 });
    // Aliases and snapshots inherit their family: qwen-plus-latest is qwen-plus, qwen3-max-2026-01-23 is qwen3-max.
    expect(catalogueEntry('qwen', 'qwen-plus-latest')).toMatchObject({ id: 'qwen-plus-latest', contextWindow: 1000000 });
    expect(catalogueEntry('qwen', 'qwen3-max-2026-01-23')).toMatchObject({ contextWindow: 262144 });
    // The 2507 releases have rows of their own, not qwen3-235b-a22b's output limit.
    expect(catalogueEntry('qwen', 'qwen3-235b-a22b-thinking-2507')?.maxOutputTokens).toBe(32768);
    expect(catalogueEntry('qwen', 'qwen3-235b-a22b')?.maxOutputTokens).toBe(16384);
  });

  it('marks retired models with an ISO date only', () => {
    for (const [provider, models] of Object.entries(shipped)) {
      for (const m of models as Array<{ id: string; retired?: string }>) {
        if (m.retired !== undefined) expect({ provider, id: m.id, retired: m.retired }).toEqual({ provider, id: m.id, retired: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
      }
    }
  });

  it('lists from the API and falls back to the shipped list when the API fails', async () => {
    // Given a Kimi-compatible upstream listing chat and non-chat models
    const server = await startMockOpenAIServer({ models: ['kimi-k2.6', 'moonshot-v1-8k', 'some-other-thing'] });
    const kimi = createProviderAdapter('kimi');
    try {
      const call = { apiKey: 'sk-kimi-test-123456789', baseUrl: server.baseUrl, signal: new AbortController().signal };
      // When it answers, the Kimi filter keeps the moonshot-/kimi- families
      const listed = await listProviderModels(kimi, call);
      expect(listed.source).toBe('api');
      expect(listed.models.map((m) => [m.id, m.contextWindow])).toEqual([['kimi-k2.6', 262144], ['moonshot-v1-8k', 8192]]);
      // When it fails, the shipped list is returned with the reason (and no key)
      server.scenario = 'server_error';
      const fallback = await listProviderModels(kimi, call, { search: 'k2' });
      expect(fallback.source).toBe('catalogue');
      expect(fallback.error).toMatch(/^server:/);
      expect(fallback.models.map((m) => m.id)).toEqual([
        'kimi-k2.7-code',
        'kimi-k2.7-code-highspeed',
        'kimi-k2.6',
        'kimi-k2.5',
      ]);
      // Retired models are not offered, but an LLM that still names one keeps its description
      expect(catalogueEntry('kimi', 'kimi-k2-0905-preview')?.contextWindow).toBe(262144);
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
