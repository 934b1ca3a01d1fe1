import { isProviderDisabled, normalizeProviderName, PROVIDER_DEFAULTS, PROVIDER_NAMES } from './provider-table';
import { createProviderAdapter } from './providers';
import { ProviderError } from './provider-errors';

describe('providers', () => {
  it('creates an adapter for every provider and its aliases', () => {
    for (const name of PROVIDER_NAMES) expect(createProviderAdapter(name).provider).toBe(name);
    expect(createProviderAdapter('Gemini').provider).toBe('google');
    expect(createProviderAdapter('moonshot').provider).toBe('kimi');
    expect(createProviderAdapter('dashscope').provider).toBe('qwen');
    expect(normalizeProviderName('azure-openai')).toBe('azure');
  });

  it('refuses an unknown provider with a bad_request error', () => {
    expect(() => createProviderAdapter('nope')).toThrow(ProviderError);
    expect(() => createProviderAdapter('nope')).toThrow(/unknown LLM provider "nope"/);
  });

  it('knows base URLs, key needs and the switch that turns a provider off', () => {
    expect(PROVIDER_DEFAULTS.groq.baseUrl).toBe('https://api.groq.com/openai/v1');
    expect(PROVIDER_DEFAULTS.qwen.baseUrl).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1');
    expect(PROVIDER_DEFAULTS.kimi.baseUrl).toBe('https://api.moonshot.cn/v1');
    expect(PROVIDER_DEFAULTS.ollama.apiKey).toBe('none');
    expect(PROVIDER_DEFAULTS.azure.baseUrl).toBeUndefined();
    expect(isProviderDisabled('openai', { KASTRA_DISABLE_OPENAI_PROVIDER: 'true' })).toBe(true);
    expect(isProviderDisabled('openai', {})).toBe(false);
  });
});
