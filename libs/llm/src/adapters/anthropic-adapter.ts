import Anthropic from '@anthropic-ai/sdk';
import type { ChatCompletionChunk, ChatRequest, ModelInfo } from '../chat-types';
import { catalogueEntry } from '../model-catalogue';
import type { ChatResult, ProviderAdapter, ProviderCall } from '../provider-adapter';
import { ProviderError } from '../provider-errors';
import { parseEventJson, readSseEvents } from '../sse-reader';
import { checkApiKeyWith, runUpstream, UpstreamCall } from '../upstream-call';
import { egressCacheKey, upstreamFetch } from '../upstream-egress';
import { type AnthropicUsage, finishReasonOf, toAnthropicRequest, toCompletion, toUsage } from './anthropic-translation';
import { ANTHROPIC_BASE_URL } from '../provider-table';

const CLIENT_CACHE_LIMIT = 256;

interface StreamEvent {
  type: string;
  index?: number;
  message?: { id: string; model: string; usage: AnthropicUsage };
  content_block?: { type: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

/** Anthropic's Messages API through `@anthropic-ai/sdk`, translated to and from OpenAI chat. */
export class AnthropicAdapter implements ProviderAdapter {
  readonly provider = 'anthropic';
  private readonly clients = new Map<string, Anthropic>();

  chat(request: ChatRequest, call: ProviderCall): Promise<ChatResult> {
    return runUpstream(this.provider, call, async (upstream) => {
      const message = await this.client(call).messages.create(toAnthropicRequest(request), this.requestOptions(call, upstream));
      const completion = toCompletion(message);
      return { completion, usage: completion.usage! };
    });
  }

  async *chatStream(request: ChatRequest, call: ProviderCall): AsyncGenerator<ChatCompletionChunk> {
    const upstream = new UpstreamCall(this.provider, call);
    try {
      const response = await this.client(call)
        .messages.create({ ...toAnthropicRequest(request), stream: true }, this.requestOptions(call, upstream))
        .asResponse();
      let id = '';
      let model = request.model;
      const created = Math.floor(Date.now() / 1000);
      const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null): ChatCompletionChunk => ({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
      // Usage arrives in two halves: input side in message_start, output side in message_delta.
      let usage: AnthropicUsage = {};
      const toolIndexOfBlock = new Map<number, number>();
      let stopped = false;
      for await (const sse of readSseEvents(response.body, upstream)) {
        const event = parseEventJson<StreamEvent>(sse, upstream);
        switch (event.type) {
          case 'message_start':
            if (!event.message) throw new ProviderError('malformed', 'message_start without message', { provider: this.provider });
            id = event.message.id;
            model = event.message.model ?? model;
            usage = { ...event.message.usage };
            yield chunk({ role: 'assistant', content: '' });
            break;
          case 'content_block_start':
            if (event.content_block?.type === 'tool_use') {
              const toolIndex = toolIndexOfBlock.size;
              toolIndexOfBlock.set(event.index ?? 0, toolIndex);
              yield chunk({
                tool_calls: [{ index: toolIndex, id: event.content_block.id, type: 'function', function: { name: event.content_block.name, arguments: '' } }],
              });
            } else if (event.content_block?.type === 'text' && event.content_block.text) {
              yield chunk({ content: event.content_block.text });
            }
            break;
          case 'content_block_delta':
            if (event.delta?.type === 'text_delta' && event.delta.text) yield chunk({ content: event.delta.text });
            else if (event.delta?.type === 'input_json_delta' && event.delta.partial_json) {
              const toolIndex = toolIndexOfBlock.get(event.index ?? 0);
              if (toolIndex === undefined) throw new ProviderError('malformed', 'input_json_delta for an unknown block', { provider: this.provider });
              yield chunk({ tool_calls: [{ index: toolIndex, function: { arguments: event.delta.partial_json } }] });
            }
            break;
          case 'message_delta':
            usage = { ...usage, ...definedOnly(event.usage ?? {}) };
            if (event.delta?.stop_reason) yield chunk({}, finishReasonOf(event.delta.stop_reason));
            break;
          case 'message_stop':
            stopped = true;
            break;
          case 'error':
            throw new ProviderError('server', `upstream stream error: ${event.error?.message ?? 'unknown'}`, {
              status: event.error?.type === 'overloaded_error' ? 529 : 502,
              provider: this.provider,
            });
          default:
            // ping, content_block_stop, thinking deltas: nothing for an OpenAI client.
            break;
        }
        if (stopped) break;
      }
      if (!stopped) throw new ProviderError('stream_cut', 'upstream stream ended without message_stop', { provider: this.provider });
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
      for await (const model of this.client(call).models.list({ limit: 1000 }, this.requestOptions(call, upstream))) {
        const known = catalogueEntry(this.provider, model.id);
        models.push({
          contextWindow: 200000,
          supportsVision: true,
          supportsTools: true,
          ...known,
          id: model.id,
          provider: this.provider,
          type: 'chat',
          displayName: model.display_name,
          source: 'api',
        });
      }
      return models;
    });
  }

  /** `POST /v1/messages/count_tokens`: the request as Anthropic would be sent it, counted by Anthropic. */
  countTokens(request: ChatRequest, call: ProviderCall): Promise<number> {
    return runUpstream(this.provider, call, async (upstream) => {
      const { model, messages, system, tools, tool_choice } = toAnthropicRequest(request);
      const counted = await this.client(call).messages.countTokens(
        { model, messages, ...(system !== undefined ? { system } : {}), ...(tools !== undefined ? { tools } : {}), ...(tool_choice !== undefined ? { tool_choice } : {}) },
        this.requestOptions(call, upstream),
      );
      return counted.input_tokens;
    });
  }

  checkApiKey(call: ProviderCall): Promise<boolean | ProviderError> {
    return checkApiKeyWith(this.provider, call, (upstream) => this.client(call).models.list({ limit: 1 }, this.requestOptions(call, upstream)));
  }

  private requestOptions(call: ProviderCall, upstream: UpstreamCall): Anthropic.RequestOptions {
    return { signal: upstream.signal, maxRetries: 0, headers: call.headers, timeout: call.timeoutMs ?? 600_000 };
  }

  private client(call: ProviderCall): Anthropic {
    const baseUrl = call.baseUrl ?? ANTHROPIC_BASE_URL;
    const cacheKey = `${baseUrl}\u0000${call.apiKey ?? ''}\u0000${egressCacheKey(call.egress)}`;
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = new Anthropic({ apiKey: call.apiKey ?? 'no-key', baseURL: baseUrl, maxRetries: 0, ...(call.egress ? { fetch: upstreamFetch(call) } : {}) });
      if (this.clients.size >= CLIENT_CACHE_LIMIT) this.clients.delete(this.clients.keys().next().value as string);
      this.clients.set(cacheKey, client);
    }
    return client;
  }
}

function definedOnly(usage: AnthropicUsage): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage).filter(([, v]) => v !== null && v !== undefined)) as AnthropicUsage;
}
