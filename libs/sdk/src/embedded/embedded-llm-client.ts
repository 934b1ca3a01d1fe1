import { parseReference } from '@kastra/api';
import { LlmCallError, type ChatCompletion, type ChatRequest, type LlmCallOptions, type LlmClient } from '@kastra/agent-runtime';
import { createProviderAdapter, ProviderError, providerDefaultKey, normalizeProviderName, type ProviderAdapter } from '@kastra/llm';
import { embeddedApiKey } from '../language-model/embedded-api-key';
import { llmManifestOf } from '../language-model/llm-manifest';
import { scrubCredentials } from '../language-model/credential-scrubbing';
import type { EmbeddedResourceStore } from './embedded-resource-store';

/**
 * The agent runtime's model client in an embedded runtime: what llm-proxy does for the cluster,
 * done in this process — a `namespace.name` handle is the LLM resource of the store (its provider,
 * endpoint, options and key by llm-proxy's rules: `${VAR}` from the environment, a secretRef from
 * the store's Secrets), a `provider/name` handle the provider's defaults; the call goes through
 * libs/llm's adapter of that provider. No rate limits, budgets, fallbacks or usage records.
 */
export class EmbeddedLlmClient implements LlmClient {
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(private readonly store: EmbeddedResourceStore, private readonly env: NodeJS.ProcessEnv) {}

  async chat(request: ChatRequest, options: LlmCallOptions): Promise<ChatCompletion> {
    const target = this.resolve(request.model);
    try {
      const { completion } = await this.adapter(target.provider).chat(
        { ...target.defaults, ...request, model: target.model },
        {
          apiKey: target.apiKey,
          baseUrl: target.baseUrl,
          signal: options.signal ?? new AbortController().signal,
          timeoutMs: target.timeoutMs,
          options: target.options,
          ...(typeof target.options.apiVersion === 'string' ? { apiVersion: target.options.apiVersion } : {}),
          ...(typeof target.options.deployment === 'string' ? { deployment: target.options.deployment } : {}),
        },
      );
      return completion;
    } catch (error) {
      const scrubbed = scrubCredentials(error, target.apiKey ? [target.apiKey] : []);
      if (scrubbed instanceof ProviderError) throw new LlmCallError(scrubbed.status, scrubbed.kind, `${request.model}: ${scrubbed.message}`);
      throw scrubbed;
    }
  }

  private resolve(handle: string): { provider: string; model: string; apiKey?: string; baseUrl?: string; timeoutMs?: number; options: Record<string, unknown>; defaults: Partial<ChatRequest> } {
    const slash = handle.indexOf('/');
    if (slash > 0) {
      const provider = normalizeProviderName(handle.slice(0, slash));
      if (!provider) throw new LlmCallError(400, 'bad_request', `unknown provider in model "${handle}"`);
      return { provider, model: handle.slice(slash + 1), apiKey: providerDefaultKey(provider, this.env)?.value, options: {}, defaults: {} };
    }
    const key = parseReference(handle, { kind: 'LLM', defaultNamespace: 'default' });
    const resource = this.store.getNow(key);
    if (!resource) throw new LlmCallError(404, 'not_found', `LLM ${key.namespace}.${key.name} does not exist in this runtime`);
    const llm = llmManifestOf(resource);
    const apiKey = embeddedApiKey(llm, { env: this.env, resolveSecret: (ref) => this.store.secretValueNow(ref.namespace, ref.name, ref.key) });
    const options = { ...(llm.spec.options ?? {}) };
    const defaults: Partial<ChatRequest> = {};
    if (typeof options.temperature === 'number') defaults.temperature = options.temperature;
    if (typeof options.topP === 'number') defaults.top_p = options.topP;
    if (typeof options.maxTokens === 'number') defaults.max_tokens = options.maxTokens;
    return { provider: llm.provider, model: llm.spec.model, apiKey, baseUrl: llm.spec.options?.baseURL, timeoutMs: llm.spec.options?.timeoutMs, options, defaults };
  }

  private adapter(provider: string): ProviderAdapter {
    let adapter = this.adapters.get(provider);
    if (!adapter) this.adapters.set(provider, (adapter = createProviderAdapter(provider)));
    return adapter;
  }
}
