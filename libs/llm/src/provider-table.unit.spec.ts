import { judgeModelKeys, normalizeProviderName, PROVIDER_DEFAULTS, PROVIDER_NAMES, providerDefaultKey, providerNeedsBaseUrl } from './provider-table';

describe('provider table', () => {
  it('says for every provider whether a call needs a key and where its default key lives', () => {
    for (const name of PROVIDER_NAMES) {
      const entry = PROVIDER_DEFAULTS[name];
      // Only a provider that requires a key has a default one (in the environment)
      expect({ name, hasDefaultKey: entry.apiKeyEnv !== undefined }).toEqual({ name, hasDefaultKey: entry.apiKey === 'required' });
    }
    expect(PROVIDER_DEFAULTS.openai).toMatchObject({ apiKey: 'required', apiKeyEnv: 'OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v1' });
    // A local OpenAI-compatible server may need no key, but a key it is given must resolve
    expect(PROVIDER_DEFAULTS['openai-compatible'].apiKey).toBe('optional');
    expect(PROVIDER_DEFAULTS.mock.apiKey).toBe('none');
    expect(PROVIDER_DEFAULTS.ollama.apiKey).toBe('none');
    expect(PROVIDER_NAMES.filter(providerNeedsBaseUrl)).toEqual(['azure', 'openai-compatible']);
    expect(normalizeProviderName('Moonshot')).toBe('kimi');
  });

  it('finds the default key in the given environment only', () => {
    expect(providerDefaultKey('anthropic', { ANTHROPIC_API_KEY: 'sk-ant' })).toEqual({ variable: 'ANTHROPIC_API_KEY', value: 'sk-ant' });
    expect(providerDefaultKey('anthropic', { ANTHROPIC_API_KEY: '' })).toBeUndefined();
    expect(providerDefaultKey('mock', { ANTHROPIC_API_KEY: 'sk-ant' })).toBeUndefined();
  });

  it('judges a model by its own keys first, then by the default key, never the default key over unusable own keys', () => {
    const usable = { usable: true };
    const unusable = { usable: false };
    const withDefault = { defaultKeyAvailable: true };
    const withoutDefault = { defaultKeyAvailable: false };
    // required: own key, default key, or nothing
    expect(judgeModelKeys('openai', [unusable, usable], withoutDefault)).toEqual({ callable: true, key: 'own' });
    expect(judgeModelKeys('openai', [], withDefault)).toEqual({ callable: true, key: 'default' });
    expect(judgeModelKeys('openai', [], withoutDefault)).toEqual({ callable: false, missing: 'defaultKeyMissing', variable: 'OPENAI_API_KEY' });
    expect(judgeModelKeys('openai', [unusable], withDefault)).toEqual({ callable: false, missing: 'ownKeysUnusable' });
    // optional: no key is fine, an unusable given one is not
    expect(judgeModelKeys('openai-compatible', [], withoutDefault)).toEqual({ callable: true, key: 'none' });
    expect(judgeModelKeys('openai-compatible', [unusable], withoutDefault)).toEqual({ callable: false, missing: 'ownKeysUnusable' });
    // none: called without a key whatever it was given
    expect(judgeModelKeys('mock', [unusable], withoutDefault)).toEqual({ callable: true, key: 'none' });
    expect(judgeModelKeys('ollama', [usable], withoutDefault)).toEqual({ callable: true, key: 'own' });
    // a need given by the caller (an admin's auth_type none) wins over the provider's
    expect(judgeModelKeys('openai', [], { defaultKeyAvailable: false, need: 'none' })).toEqual({ callable: true, key: 'none' });
  });
});
