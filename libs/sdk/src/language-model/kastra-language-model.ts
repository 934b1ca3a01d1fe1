import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import { scrubCredentials } from './credential-scrubbing';
import type { LanguageModelClient, ProviderBinding } from './provider-binding';

/** Where a model's calls go: straight to the provider, or through a cluster's llm-proxy. */
export type LanguageModelMode = 'embedded' | 'connected';

/** What a model applies to each call by itself (embedded: the LLM's spec.options; connected: llm-proxy applies them). */
export interface CallDefaults {
  temperature?: number;
  maxOutputTokens?: number;
  topP?: number;
  /** The whole call, stream included, is aborted after this long. */
  timeoutMs?: number;
}

export interface KastraLanguageModelSettings {
  binding: ProviderBinding;
  mode: LanguageModelMode;
  /** `namespace.name` of the LLM. */
  llm: string;
  defaults: CallDefaults;
  /** The key or token this model sends: scrubbed from every error it passes on. */
  credentials: readonly string[];
}

/**
 * An LLM manifest as an AI SDK language model (LanguageModelV3, `specificationVersion: 'v3'`):
 * what `generateText`/`streamText` of the `ai` package and a Mastra `Agent` take as `model`.
 * Calls are made by the AI SDK's own provider model (tool calls, usage, streaming); this adds
 * the LLM's call defaults and timeout, keeps credentials out of errors, and exposes the
 * provider's client as `client`.
 */
export class KastraLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3' as const;
  readonly provider: string;
  readonly modelId: string;
  readonly mode: LanguageModelMode;
  /** `namespace.name` of the LLM this model calls. */
  readonly llm: string;
  private readonly settings: KastraLanguageModelSettings;
  private madeClient?: LanguageModelClient;

  constructor(settings: KastraLanguageModelSettings) {
    this.settings = settings;
    this.provider = settings.binding.model.provider;
    this.modelId = settings.binding.model.modelId;
    this.mode = settings.mode;
    this.llm = settings.llm;
  }

  get supportedUrls(): LanguageModelV3['supportedUrls'] {
    return this.settings.binding.model.supportedUrls;
  }

  /**
   * The provider's official client, configured as this model is (same endpoint and key; in
   * connected mode, llm-proxy and the caller's token) — see LanguageModelClient. Made on first use.
   */
  get client(): LanguageModelClient {
    this.madeClient ??= this.settings.binding.createClient();
    return this.madeClient;
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    try {
      return await this.settings.binding.model.doGenerate(this.withDefaults(options));
    } catch (error) {
      throw scrubCredentials(error, this.settings.credentials);
    }
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    let result: LanguageModelV3StreamResult;
    try {
      result = await this.settings.binding.model.doStream(this.withDefaults(options));
    } catch (error) {
      throw scrubCredentials(error, this.settings.credentials);
    }
    const credentials = this.settings.credentials;
    if (credentials.length === 0) return result;
    const scrubbed = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
      transform(part, controller) {
        controller.enqueue(part.type === 'error' ? { ...part, error: scrubCredentials(part.error, credentials) } : part);
      },
    });
    return { ...result, stream: result.stream.pipeThrough(scrubbed) };
  }

  private withDefaults(options: LanguageModelV3CallOptions): LanguageModelV3CallOptions {
    const { temperature, maxOutputTokens, topP, timeoutMs } = this.settings.defaults;
    const signals = [options.abortSignal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    return {
      ...options,
      temperature: options.temperature ?? temperature,
      maxOutputTokens: options.maxOutputTokens ?? maxOutputTokens,
      topP: options.topP ?? topP,
      abortSignal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
    };
  }
}
