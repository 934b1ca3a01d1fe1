import { allowedEnvReferences, envKeyReferenceRefusal, judgeModelKeys, normalizeProviderName, PROVIDER_DEFAULTS, PROVIDER_NAMES, providerBaseUrl, providerDefaultKey, providerNeedsBaseUrl, usesDefaultEndpoint } from './provider-table';

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
    // Providers whose adapters cannot make the upstream honour a JSON schema get it in the prompt
    expect(PROVIDER_NAMES.filter((name) => PROVIDER_DEFAULTS[name].structuredOutput === 'prompt')).toEqual(['anthropic', 'qwen', 'kimi']);
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

  it('never lends the default key to a model with an endpoint of its own', () => {
    // Given the default key at hand and a model with a custom endpoint and no key
    const verdict = judgeModelKeys('openai', [], { defaultKeyAvailable: true, customEndpoint: true });
    // Then it needs a key of its own; a key-optional provider is still called without one
    expect(verdict).toEqual({ callable: false, missing: 'secretKeyRequired' });
    expect(judgeModelKeys('openai-compatible', [], { defaultKeyAvailable: true, customEndpoint: true })).toEqual({ callable: true, key: 'none' });
    expect(judgeModelKeys('openai', [{ usable: true }], { defaultKeyAvailable: true, customEndpoint: true })).toEqual({ callable: true, key: 'own' });
  });

  it('takes ollama\'s default endpoint from OLLAMA_BASE_URL, as Ollama\'s clients write it, adding the /v1 path when missing', () => {
    expect(providerBaseUrl('ollama', {})).toBe('http://127.0.0.1:11434/v1');
    expect(providerBaseUrl('ollama', { OLLAMA_BASE_URL: 'http://gpu-box:11434' })).toBe('http://gpu-box:11434/v1');
    expect(providerBaseUrl('ollama', { OLLAMA_BASE_URL: 'http://gpu-box:11434/v1/' })).toBe('http://gpu-box:11434/v1');
    expect(providerBaseUrl('ollama', { OLLAMA_BASE_URL: '  ' })).toBe('http://127.0.0.1:11434/v1');
    // Only ollama reads it
    expect(providerBaseUrl('openai', { OLLAMA_BASE_URL: 'http://gpu-box:11434' })).toBe('https://api.openai.com/v1');
    // And it is the default endpoint where ${VAR} keys may be used
    expect(usesDefaultEndpoint('ollama', 'http://gpu-box:11434/v1', { OLLAMA_BASE_URL: 'http://gpu-box:11434' })).toBe(true);
    expect(usesDefaultEndpoint('ollama', 'http://127.0.0.1:11434/v1', { OLLAMA_BASE_URL: 'http://gpu-box:11434' })).toBe(false);
  });

  it('tells the provider\'s default endpoint from one of the LLM\'s own', () => {
    expect(usesDefaultEndpoint('openai', undefined)).toBe(true);
    expect(usesDefaultEndpoint('openai', 'https://api.openai.com/v1/')).toBe(true);
    expect(usesDefaultEndpoint('kimi', 'https://api.moonshot.cn/v1')).toBe(true);
    expect(usesDefaultEndpoint('openai', 'https://evil.example/v1')).toBe(false);
    expect(usesDefaultEndpoint('openai', 'http://127.0.0.1:9/v1')).toBe(false);
    // Providers without a default endpoint never use it
    expect(usesDefaultEndpoint('azure', 'https://acme.openai.azure.com')).toBe(false);
    expect(usesDefaultEndpoint('openai-compatible', undefined)).toBe(false);
  });

  it('lets LLMs name only the allowed ${VAR}s, each for its provider, and only at the provider\'s default endpoint', () => {
    // Given the default allow list (KASTRA_ALLOWED_ENV_REFS unset)
    const defaults = allowedEnvReferences({});
    const refusal = (provider: 'openai' | 'groq' | 'azure', variable: string, baseURL?: string, allowed = defaults) =>
      envKeyReferenceRefusal(provider, variable, { baseURL, field: 'spec.apiKey', allowed });
    // Then the provider's own key variable passes, at its default endpoint only
    expect(refusal('openai', 'OPENAI_API_KEY')).toBeUndefined();
    expect(refusal('openai', 'OPENAI_API_KEY', 'https://attacker.example/v1')).toBe(
      "spec.apiKey names ${OPENAI_API_KEY}, but an LLM whose spec.options.baseURL is not provider openai's default endpoint takes keys from Secrets only: use spec.secretRef",
    );
    expect(refusal('azure', 'AZURE_OPENAI_API_KEY', 'https://acme.openai.azure.com')).toContain('takes keys from Secrets only');
    // And any other variable, or another provider's key, is refused naming the rule
    expect(refusal('openai', 'DATABASE_URL')).toBe(
      'spec.apiKey names ${DATABASE_URL}, which the operator does not allow LLMs of provider openai to use (KASTRA_ALLOWED_ENV_REFS; it allows OPENAI_API_KEY): keep the key in a Secret and use spec.secretRef',
    );
    expect(refusal('openai', 'KASTRA_JWT_SECRET')).toContain('KASTRA_ALLOWED_ENV_REFS');
    expect(refusal('groq', 'OPENAI_API_KEY')).toContain('it allows GROQ_API_KEY');
    // And an operator's list replaces the default: provider:VARIABLE for one provider, VARIABLE for any
    const configured = allowedEnvReferences({ KASTRA_ALLOWED_ENV_REFS: 'openai:OPENAI_API_KEY, openai:OPENAI_API_KEY_2,SHARED_KEY' });
    expect(refusal('openai', 'OPENAI_API_KEY_2', undefined, configured)).toBeUndefined();
    expect(refusal('groq', 'SHARED_KEY', undefined, configured)).toBeUndefined();
    expect(refusal('groq', 'GROQ_API_KEY', undefined, configured)).toContain('it allows SHARED_KEY');
    expect(refusal('openai', 'OPENAI_API_KEY', undefined, allowedEnvReferences({ KASTRA_ALLOWED_ENV_REFS: '' }))).toContain('it allows none');
  });
});
