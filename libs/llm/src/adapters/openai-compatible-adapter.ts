import type { IncomingMessage } from 'node:http';
import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelInfo,
} from '../chat-types';
import { catalogueEntry } from '../model-catalogue';
import type { ChatResult, ProviderAdapter, ProviderCall } from '../provider-adapter';
import { ProviderError } from '../provider-errors';
import { parseEventJson, readSseEvents } from '../sse-reader';
import { checkApiKeyWith, runUpstream, UpstreamCall } from '../upstream-call';
import { egressCacheKey, upstreamFetch } from '../upstream-egress';
import { postUpstream, readJson, readSseFromResponse } from '../upstream-http';

export interface OpenAICompatibleOptions {
  provider: string;
  /** Used when the call gives no baseUrl; undefined means the call must give one. */
  defaultBaseUrl?: string;
  /** Which listed model ids are this provider's chat/embedding models (others are dropped). */
  modelFilter?: (id: string) => boolean;
  /** Adjusts a request to what this provider accepts (parameter names, ranges). */
  prepareRequest?: (request: ChatRequest) => ChatRequest;
  /** Builds the SDK client; Azure overrides it with AzureOpenAI. */
  createClient?: (call: ProviderCall, baseUrl: string | undefined) => OpenAI;
  /**
   * How chat calls reach the upstream: through the `openai` SDK, or a direct `node:http` request
   * of the same wire format on a keep-alive Agent (much less CPU per call than the SDK's fetch;
   * see docs/llm-proxy.md). The value keeps its historical name 'fetch'. Listing, embeddings and Azure always use
   * the SDK. @default 'sdk'
   */
  transport?: AdapterTransport;
}

export type AdapterTransport = 'sdk' | 'fetch';

/** Ids on api.openai.com that are not chat or embedding models. */
const NON_CHAT = /whisper|tts|dall-e|moderation|davinci|babbage|audio|realtime|transcribe|image|search|computer-use|sora/;

const CLIENT_CACHE_LIMIT = 256;

/**
 * OpenAI's reasoning models (o1, o3, o4, gpt-5) refuse `max_tokens`; they take
 * `max_completion_tokens`. Clients written for older models still send the former.
 */
export function renameMaxTokensForReasoningModels(request: ChatRequest): ChatRequest {
  if (request.max_tokens === undefined || !/^(o\d|gpt-5)/.test(request.model)) return request;
  const { max_tokens, ...rest } = request;
  return { ...rest, max_completion_tokens: request.max_completion_tokens ?? max_tokens };
}

/**
 * Any provider that speaks OpenAI's chat completions API, through the official `openai` SDK.
 * The SDK builds the requests and maps HTTP errors; streams are read from the raw response so
 * a missing `[DONE]` is caught.
 */
export class OpenAICompatibleAdapter implements ProviderAdapter {
  readonly provider: string;
  // Clients are reused per (baseUrl, key): a new client per call would cost a connection pool.
  private readonly clients = new Map<string, OpenAI>();

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.provider = options.provider;
  }

  chat(request: ChatRequest, call: ProviderCall): Promise<ChatResult> {
    return runUpstream(this.provider, call, async (upstream) => {
      const body = { ...this.prepare(request), stream: false, stream_options: undefined };
      const completion = this.usesFetch
        ? await readJson<ChatCompletion>(await this.fetchChat(call, upstream, body), upstream)
        : ((await this.client(call).chat.completions.create(
            body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
            this.requestOptions(call, upstream),
          )) as unknown as ChatCompletion);
      if (!completion || !Array.isArray(completion.choices)) {
        throw new ProviderError('malformed', 'upstream answer has no choices', { provider: this.provider });
      }
      return { completion, usage: completion.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } };
    });
  }

  async *chatStream(request: ChatRequest, call: ProviderCall): AsyncGenerator<ChatCompletionChunk> {
    const upstream = new UpstreamCall(this.provider, call);
    try {
      const body = { ...this.prepare(request), stream: true, stream_options: { ...request.stream_options, include_usage: true } };
      const events = this.usesFetch
        ? readSseFromResponse(await this.fetchChat(call, upstream, body), upstream)
        : readSseEvents(
            (
              await this.client(call)
                .chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, this.requestOptions(call, upstream))
                .asResponse()
            ).body,
            upstream,
          );
      let done = false;
      for await (const sse of events) {
        if (sse.data === '[DONE]') {
          done = true;
          break;
        }
        const chunk = parseEventJson<ChatCompletionChunk & { error?: { message?: string } }>(sse, upstream);
        if (chunk.error) {
          throw new ProviderError('server', `upstream stream error: ${chunk.error.message ?? 'unknown'}`, { provider: this.provider });
        }
        if (!Array.isArray(chunk.choices)) {
          throw new ProviderError('malformed', 'upstream stream chunk has no choices', { provider: this.provider });
        }
        yield chunk;
      }
      if (!done) throw new ProviderError('stream_cut', 'upstream stream ended without [DONE]', { provider: this.provider });
    } catch (error) {
      throw upstream.toProviderError(error);
    } finally {
      upstream.finish();
    }
  }

  listModels(call: ProviderCall): Promise<ModelInfo[]> {
    return runUpstream(this.provider, call, async (upstream) => {
      const models: ModelInfo[] = [];
      for await (const model of this.client(call).models.list(this.requestOptions(call, upstream))) {
        if (this.options.modelFilter && !this.options.modelFilter(model.id)) continue;
        if (NON_CHAT.test(model.id)) continue;
        models.push(this.modelInfo(model as OpenAI.Model & { context_length?: number; context_window?: number }));
      }
      return models;
    });
  }

  checkApiKey(call: ProviderCall): Promise<boolean | ProviderError> {
    return checkApiKeyWith(this.provider, call, (upstream) => this.client(call).models.list(this.requestOptions(call, upstream)));
  }

  embeddings(request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResponse> {
    return runUpstream(this.provider, call, async (upstream) => {
      const response = await this.client(call).embeddings.create(
        { ...request, encoding_format: 'float' },
        this.requestOptions(call, upstream),
      );
      return response as unknown as EmbeddingResponse;
    });
  }

  private modelInfo(model: { id: string; context_length?: number; context_window?: number }): ModelInfo {
    const known = catalogueEntry(this.provider, model.id);
    const type = /embed/.test(model.id) ? 'embedding' : 'chat';
    return {
      ...known,
      id: model.id,
      provider: this.provider,
      type: known?.type ?? type,
      contextWindow: model.context_length ?? model.context_window ?? known?.contextWindow,
      source: 'api',
    };
  }

  private prepare(request: ChatRequest): ChatRequest {
    return this.options.prepareRequest ? this.options.prepareRequest(request) : request;
  }

  private get usesFetch(): boolean {
    return this.options.transport === 'fetch' && !this.options.createClient;
  }

  /**
   * The same request the SDK sends, without the SDK: OpenAI's wire format is ours. Plain
   * `node:http` on a keep-alive Agent rather than `fetch`, which costs ~4x the CPU per call.
   */
  private async fetchChat(call: ProviderCall, upstream: UpstreamCall, body: object): Promise<IncomingMessage> {
    const baseUrl = call.baseUrl ?? this.options.defaultBaseUrl;
    if (!baseUrl) throw new ProviderError('bad_request', `provider ${this.provider} needs a base URL`, { provider: this.provider });
    return postUpstream(
      `${baseUrl.replace(/\/+$/, '')}/chat/completions`,
      { 'content-type': 'application/json', accept: 'application/json', ...call.headers, ...(call.apiKey ? { authorization: `Bearer ${call.apiKey}` } : {}) },
      JSON.stringify(body),
      upstream,
    );
  }

  private requestOptions(call: ProviderCall, upstream: UpstreamCall): OpenAI.RequestOptions {
    // Retries belong to the proxy (it knows keys, breakers and fallbacks), so the SDK makes one try.
    return { signal: upstream.signal, maxRetries: 0, headers: call.headers, timeout: call.timeoutMs ?? 600_000 };
  }

  private client(call: ProviderCall): OpenAI {
    const baseUrl = call.baseUrl ?? this.options.defaultBaseUrl;
    const cacheKey = `${baseUrl}\u0000${call.apiKey ?? ''}\u0000${call.apiVersion ?? ''}\u0000${call.deployment ?? ''}\u0000${egressCacheKey(call.egress)}`;
    let client = this.clients.get(cacheKey);
    if (!client) {
      if (!baseUrl && !this.options.createClient) {
        throw new ProviderError('bad_request', `provider ${this.provider} needs a base URL`, { provider: this.provider });
      }
      client = this.options.createClient
        ? this.options.createClient(call, baseUrl)
        : new OpenAI({ apiKey: call.apiKey ?? 'no-key', baseURL: baseUrl, maxRetries: 0, ...(call.egress ? { fetch: upstreamFetch(call) } : {}) });
      if (this.clients.size >= CLIENT_CACHE_LIMIT) this.clients.delete(this.clients.keys().next().value as string);
      this.clients.set(cacheKey, client);
    }
    return client;
  }
}
