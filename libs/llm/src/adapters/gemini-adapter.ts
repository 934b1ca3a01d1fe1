import type { ChatCompletion, ChatCompletionChunk, ChatRequest, EmbeddingRequest, EmbeddingResponse, ModelInfo } from '../chat-types';
import { catalogueEntry } from '../model-catalogue';
import type { ChatResult, ProviderAdapter, ProviderCall } from '../provider-adapter';
import { ProviderError } from '../provider-errors';
import { parseEventJson, readSseEvents } from '../sse-reader';
import { checkApiKeyWith, errorFromResponse, runUpstream, UpstreamCall } from '../upstream-call';
import { upstreamFetch } from '../upstream-egress';
import { contentOf, finishReasonOf, type GeminiResponse, toGeminiRequest, toUsage } from './gemini-translation';
import { GEMINI_BASE_URL } from '../provider-table';

interface GeminiModel {
  name: string;
  displayName?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods?: string[];
}

/**
 * Google Gemini over its REST API with plain fetch (no SDK needed for two endpoints). The key
 * travels in the `x-goog-api-key` header only: a `?key=` URL ends up in proxies' access logs.
 */
export class GeminiAdapter implements ProviderAdapter {
  readonly provider = 'google';

  chat(request: ChatRequest, call: ProviderCall): Promise<ChatResult> {
    return runUpstream(this.provider, call, async (upstream) => {
      const response = await this.post(upstream, `${this.modelPath(call, request.model)}:generateContent`, toGeminiRequest(request));
      const body = (await response.json().catch(() => {
        throw new ProviderError('malformed', 'upstream answer is not JSON', { provider: this.provider });
      })) as GeminiResponse;
      if (!body.candidates?.length) {
        const reason = body.promptFeedback?.blockReason;
        if (reason) return this.result(request, body, 'content_filter');
        throw new ProviderError('malformed', 'upstream answer has no candidates', { provider: this.provider });
      }
      return this.result(request, body);
    });
  }

  async *chatStream(request: ChatRequest, call: ProviderCall): AsyncGenerator<ChatCompletionChunk> {
    const upstream = new UpstreamCall(this.provider, call);
    try {
      const response = await this.post(upstream, `${this.modelPath(call, request.model)}:streamGenerateContent?alt=sse`, toGeminiRequest(request));
      const id = `chatcmpl-gemini-${Date.now().toString(36)}`;
      const created = Math.floor(Date.now() / 1000);
      const model = request.model;
      let toolCount = 0;
      let finished = false;
      let usage: GeminiResponse['usageMetadata'];
      let first = true;
      // Gemini's SSE has no terminator: the stream is complete once a chunk carries finishReason.
      for await (const sse of readSseEvents(response.body, upstream)) {
        const event = parseEventJson<GeminiResponse & { error?: { message?: string } }>(sse, upstream);
        if (event.error) throw new ProviderError('server', `upstream stream error: ${event.error.message ?? 'unknown'}`, { provider: this.provider });
        if (event.usageMetadata) usage = event.usageMetadata;
        const { text, toolCalls, finish } = contentOf(event, toolCount);
        const delta: ChatCompletionChunk['choices'][0]['delta'] = first ? { role: 'assistant' } : {};
        first = false;
        if (text) delta.content = text;
        if (toolCalls.length > 0) {
          delta.tool_calls = toolCalls.map((call, i) => ({ index: toolCount + i, id: call.id, type: 'function' as const, function: call.function }));
          toolCount += toolCalls.length;
        }
        const finishReason = finishReasonOf(finish, toolCount > 0);
        if (finish) finished = true;
        yield { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] };
      }
      if (!finished) throw new ProviderError('stream_cut', 'upstream stream ended without a finishReason', { provider: this.provider });
      yield { id, object: 'chat.completion.chunk', created, model, choices: [], usage: toUsage(usage) };
    } catch (error) {
      throw upstream.toProviderError(error);
    } finally {
      upstream.finish();
    }
  }

  listModels(call: ProviderCall): Promise<ModelInfo[]> {
    return runUpstream(this.provider, call, async (upstream) => {
      const models: ModelInfo[] = [];
      let pageToken: string | undefined;
      do {
        const query = `pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
        const response = await this.get(upstream, `${this.base(call)}/v1beta/models?${query}`);
        const body = (await response.json()) as { models?: GeminiModel[]; nextPageToken?: string };
        for (const model of body.models ?? []) {
          const methods = model.supportedGenerationMethods ?? [];
          const type = methods.includes('generateContent') ? 'chat' : methods.includes('embedContent') ? 'embedding' : undefined;
          if (!type) continue;
          const id = model.name.replace(/^models\//, '');
          const known = catalogueEntry(this.provider, id);
          models.push({
            supportsVision: type === 'chat',
            supportsTools: type === 'chat',
            ...known,
            id,
            provider: this.provider,
            type,
            displayName: model.displayName,
            contextWindow: model.inputTokenLimit ?? known?.contextWindow,
            maxOutputTokens: model.outputTokenLimit ?? known?.maxOutputTokens,
            source: 'api',
          });
        }
        pageToken = body.nextPageToken;
      } while (pageToken);
      return models;
    });
  }

  checkApiKey(call: ProviderCall): Promise<boolean | ProviderError> {
    return checkApiKeyWith(this.provider, call, (upstream) => this.get(upstream, `${this.base(call)}/v1beta/models?pageSize=1`));
  }

  embeddings(request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResponse> {
    return runUpstream(this.provider, call, async (upstream) => {
      const inputs = Array.isArray(request.input) ? request.input : [request.input];
      const model = `models/${request.model.replace(/^models\//, '')}`;
      const response = await this.post(upstream, `${this.modelPath(call, request.model)}:batchEmbedContents`, {
        requests: inputs.map((text) => ({
          model,
          content: { parts: [{ text }] },
          ...(request.dimensions ? { outputDimensionality: request.dimensions } : {}),
        })),
      });
      const body = (await response.json()) as { embeddings?: Array<{ values: number[] }> };
      // Gemini does not report embedding usage; a word count keeps budgets roughly honest.
      const tokens = inputs.reduce((sum, text) => sum + text.split(/\s+/).filter(Boolean).length, 0);
      return {
        object: 'list',
        model: request.model,
        data: (body.embeddings ?? []).map((e, index) => ({ object: 'embedding' as const, index, embedding: e.values })),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    });
  }

  private result(request: ChatRequest, body: GeminiResponse, forcedFinish?: 'content_filter'): ChatResult {
    const { text, toolCalls, finish } = contentOf(body);
    const usage = toUsage(body.usageMetadata);
    const completion: ChatCompletion = {
      id: body.responseId ? `chatcmpl-${body.responseId}` : `chatcmpl-gemini-${Date.now().toString(36)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.modelVersion ?? request.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: text === '' && toolCalls.length > 0 ? null : text,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: forcedFinish ?? finishReasonOf(finish, toolCalls.length > 0) ?? 'stop',
          logprobs: null,
        },
      ],
      usage,
    };
    return { completion, usage };
  }

  private base(call: ProviderCall): string {
    return (call.baseUrl ?? GEMINI_BASE_URL).replace(/\/+$/, '').replace(/\/v1beta$/, '');
  }

  private modelPath(call: ProviderCall, model: string): string {
    return `${this.base(call)}/v1beta/models/${encodeURIComponent(model.replace(/^models\//, ''))}`;
  }

  private headers(call: ProviderCall): Record<string, string> {
    return { 'content-type': 'application/json', ...call.headers, ...(call.apiKey ? { 'x-goog-api-key': call.apiKey } : {}) };
  }

  private async post(upstream: UpstreamCall, url: string, body: unknown): Promise<Response> {
    const response = await upstreamFetch(upstream.call)(url, { method: 'POST', headers: this.headers(upstream.call), body: JSON.stringify(body), signal: upstream.signal });
    if (!response.ok) throw await errorFromResponse(upstream, response);
    return response;
  }

  private async get(upstream: UpstreamCall, url: string): Promise<Response> {
    const response = await upstreamFetch(upstream.call)(url, { headers: this.headers(upstream.call), signal: upstream.signal });
    if (!response.ok) throw await errorFromResponse(upstream, response);
    return response;
  }
}
