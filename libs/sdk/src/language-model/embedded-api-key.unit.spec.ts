import OpenAI from 'openai';
import { embeddedApiKey } from './embedded-api-key';
import { llmManifestOf } from './llm-manifest';
import { ModelUnavailableError } from './model-unavailable-error';
import { languageModelOf } from './yaml-to-mastra-llm';

const value = (name: string) => ['sk', 'env', name, 'z'.repeat(10)].join('-');

function llm(spec: Record<string, unknown>) {
  return llmManifestOf({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'keys', namespace: 'team' }, spec });
}

function refusalOf(work: () => unknown): ModelUnavailableError {
  try {
    work();
  } catch (error) {
    if (error instanceof ModelUnavailableError) return error;
    throw error;
  }
  throw new Error('expected ModelUnavailableError');
}

describe('embedded keys follow the rules llm-proxy applies to the same manifest', () => {
  it('reads ${VAR} from the environment for the provider default endpoint', () => {
    // Given OPENAI_API_KEY set and an openai LLM naming it
    const env = { OPENAI_API_KEY: value('openai') };
    // Then that value is the key, and the client is made with it
    expect(embeddedApiKey(llm({ provider: 'openai', model: 'gpt-4o', apiKey: '${OPENAI_API_KEY}' }), { env })).toBe(env.OPENAI_API_KEY);
    const model = languageModelOf(llm({ provider: 'openai', model: 'gpt-4o', apiKey: '${OPENAI_API_KEY}' }).resource, { env });
    expect((model.client as OpenAI).apiKey).toBe(env.OPENAI_API_KEY);
  });

  it('names an unset variable, never a value', () => {
    const error = refusalOf(() => embeddedApiKey(llm({ provider: 'openai', model: 'gpt-4o', apiKey: '${OPENAI_API_KEY}' }), { env: {} }));
    expect(error.message).toBe("LLM team.keys cannot be called: spec.apiKey names ${OPENAI_API_KEY}, which is not set in this process's environment");
  });

  it('refuses a variable KASTRA_ALLOWED_ENV_REFS does not allow, and any variable for an endpoint of the LLM own', () => {
    // Given variables that are set, but not allowed for the provider, or sent to a base URL of the LLM's choosing
    const env = { HOME_SECRET: value('home'), OPENAI_API_KEY: value('openai') };
    const notAllowed = refusalOf(() => embeddedApiKey(llm({ provider: 'openai', model: 'gpt-4o', apiKey: '${HOME_SECRET}' }), { env }));
    const ownEndpoint = refusalOf(() =>
      embeddedApiKey(llm({ provider: 'openai', model: 'gpt-4o', apiKey: '${OPENAI_API_KEY}', options: { baseURL: 'https://collector.example/v1' } }), { env }),
    );

    // Then both are refused, saying why, with no value in the message
    expect(notAllowed.message).toContain('KASTRA_ALLOWED_ENV_REFS');
    expect(ownEndpoint.message).toContain('takes keys from Secrets only');
    expect(`${notAllowed.message}${ownEndpoint.message}`).not.toMatch(/sk-env/);
    // And the operator's allowlist opens a variable, as for llm-proxy
    expect(embeddedApiKey(llm({ provider: 'openai', model: 'gpt-4o', apiKey: '${HOME_SECRET}' }), { env: { ...env, KASTRA_ALLOWED_ENV_REFS: 'openai:HOME_SECRET' } })).toBe(env.HOME_SECRET);
  });

  it('takes the first usable key of a pool', () => {
    const env = { OPENAI_API_KEY: value('second') };
    const spec = { provider: 'openai', model: 'gpt-4o', apiKeys: ['${UNSET_KEY}', '${OPENAI_API_KEY}'] };
    expect(embeddedApiKey(llm(spec), { env: { ...env, KASTRA_ALLOWED_ENV_REFS: 'UNSET_KEY,OPENAI_API_KEY' } })).toBe(env.OPENAI_API_KEY);
  });

  it('reads a secretRef only through resolveSecret, and says so without one', () => {
    const spec = { provider: 'openai-compatible', model: 'm', secretRef: { name: 'creds', key: 'token' }, options: { baseURL: 'http://127.0.0.1:9/v1' } };
    // Without a resolver: refused, naming the Secret and what to do
    const error = refusalOf(() => embeddedApiKey(llm(spec), { env: {} }));
    expect(error.message).toContain('key token of Secret team/creds');
    expect(error.message).toContain('options.resolveSecret');
    // With one: the Secret's value, looked up in the LLM's namespace
    const asked: unknown[] = [];
    const key = embeddedApiKey(llm(spec), { env: {}, resolveSecret: (ref) => (asked.push(ref), value('secret')) });
    expect(key).toBe(value('secret'));
    expect(asked).toEqual([{ namespace: 'team', name: 'creds', key: 'token' }]);
    // A resolver without that Secret: refused
    expect(refusalOf(() => embeddedApiKey(llm(spec), { env: {}, resolveSecret: () => undefined })).message).toContain('which options.resolveSecret does not have');
  });

  it('uses the provider default key for an LLM given none, but never for an endpoint of its own', () => {
    const env = { ANTHROPIC_API_KEY: value('anthropic') };
    expect(embeddedApiKey(llm({ provider: 'anthropic', model: 'claude' }), { env })).toBe(env.ANTHROPIC_API_KEY);
    const own = refusalOf(() => embeddedApiKey(llm({ provider: 'anthropic', model: 'claude', options: { baseURL: 'https://elsewhere.example' } }), { env }));
    expect(own.message).toContain('never sent the provider');
    expect(refusalOf(() => embeddedApiKey(llm({ provider: 'anthropic', model: 'claude' }), { env: {} })).message).toContain('set ANTHROPIC_API_KEY');
  });

  it('calls keyless providers without a key', () => {
    expect(embeddedApiKey(llm({ provider: 'mock', model: 'mock-1' }), { env: {} })).toBeUndefined();
    expect(embeddedApiKey(llm({ provider: 'ollama', model: 'llama3' }), { env: { OPENAI_API_KEY: value('openai') } })).toBeUndefined();
    expect(embeddedApiKey(llm({ provider: 'openai-compatible', model: 'm', options: { baseURL: 'http://127.0.0.1:9/v1' } }), { env: { OPENAI_API_KEY: value('o') } })).toBeUndefined();
  });

  it('needs a base URL for providers without a default endpoint', () => {
    expect(refusalOf(() => languageModelOf(llm({ provider: 'openai-compatible', model: 'm' }).resource, { env: {} })).message).toContain('set spec.options.baseURL');
  });
});
