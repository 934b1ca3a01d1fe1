import { connectedProviderBinding, type LlmProxyConnection } from './connected-provider-binding';
import { embeddedApiKey, type EmbeddedKeySources, type SecretKeyReference } from './embedded-api-key';
import { embeddedProviderBinding } from './embedded-provider-binding';
import { KastraLanguageModel } from './kastra-language-model';
import { llmManifestOf, parseLlmManifest, type LlmManifest } from './llm-manifest';

/** Embedded: this process calls the provider itself, with keys it resolves. */
export interface EmbeddedModelOptions extends EmbeddedKeySources {
  /** The fetch the provider's SDKs use (a proxy agent, a recorder). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Embedded (no `llmProxy`) or connected (`llmProxy` and `token`). */
export type LanguageModelOptions = EmbeddedModelOptions | LlmProxyConnection;

/** As LanguageModelOptions; `resolveSecret` may answer asynchronously (a vault, a cluster read). */
export type YamlToMastraLLMOptions =
  | (Omit<EmbeddedModelOptions, 'resolveSecret'> & { resolveSecret?: (reference: SecretKeyReference) => string | undefined | PromiseLike<string | undefined> })
  | LlmProxyConnection;

/**
 * The language model of the LLM manifest in `yaml` (one document, valid by the API server's
 * schema: a ValidationError naming the field otherwise), for the AI SDK (`generateText`,
 * `streamText`) and Mastra (`new Agent({ model })`).
 *
 * - Embedded (`options` without `llmProxy`): calls go straight to the provider with a key
 *   resolved here — `${VAR}` from `options.env` (default process.env) by the cluster's rules, a
 *   `secretRef` through `options.resolveSecret`; `mock` answers offline.
 * - Connected (`{ llmProxy, token }`): calls go through that llm-proxy as the token's user, to
 *   the LLM of the same `namespace.name` the cluster holds; keys stay in the cluster.
 */
export async function yamlToMastraLLM(yaml: string, options: YamlToMastraLLMOptions = {}): Promise<KastraLanguageModel> {
  const llm = parseLlmManifest(yaml);
  if (isConnected(options) || !options.resolveSecret || !llm.spec.secretRef) return modelOf(llm, options as LanguageModelOptions);
  const reference: SecretKeyReference = { namespace: llm.namespace, name: llm.spec.secretRef.name, key: llm.spec.secretRef.key };
  const value = await options.resolveSecret(reference);
  return modelOf(llm, { ...options, resolveSecret: () => value });
}

/**
 * The language model of an LLM resource (validated as the API server does), as yamlToMastraLLM
 * builds it; what a runtime's `getLLM()` returns.
 */
export function languageModelOf(resource: unknown, options: LanguageModelOptions = {}): KastraLanguageModel {
  return modelOf(llmManifestOf(resource), options);
}

function modelOf(llm: LlmManifest, options: LanguageModelOptions): KastraLanguageModel {
  if (isConnected(options)) {
    if (!options.token) throw new TypeError('a connected model needs the caller\'s token (options.token) for llm-proxy');
    return new KastraLanguageModel({
      binding: connectedProviderBinding(llm, options),
      mode: 'connected',
      llm: llm.handle,
      // llm-proxy applies the cluster's LLM's defaults, limits and timeouts.
      defaults: {},
      credentials: [options.token],
    });
  }
  const apiKey = embeddedApiKey(llm, options);
  const { temperature, maxTokens, topP, timeoutMs } = llm.spec.options ?? {};
  return new KastraLanguageModel({
    binding: embeddedProviderBinding(llm, apiKey, options.fetch),
    mode: 'embedded',
    llm: llm.handle,
    defaults: { temperature, maxOutputTokens: maxTokens, topP, timeoutMs },
    credentials: apiKey ? [apiKey] : [],
  });
}

function isConnected(options: LanguageModelOptions | YamlToMastraLLMOptions): options is LlmProxyConnection {
  return typeof (options as Partial<LlmProxyConnection>).llmProxy === 'string';
}
