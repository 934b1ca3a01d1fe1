import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatMessage, ChatRequest, EmbeddingRequest } from '../chat-types';
import {
  countWords,
  type MockReply,
  type MockRequestContext,
  type MockScenario,
  type MockServerOptions,
  MockUpstreamServer,
  splitText,
} from './mock-upstream-server';

/**
 * An upstream speaking OpenAI's wire format: /v1/chat/completions (JSON and SSE), /v1/models,
 * /v1/embeddings. DashScope, Kimi, Groq, Ollama and Azure speak it too, so this one stands in
 * for all of them (Azure paths `/openai/deployments/<name>/...` are answered as well).
 */
export class MockOpenAIServer extends MockUpstreamServer {
  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  protected apiKeyOf(request: IncomingMessage): string | undefined {
    const auth = request.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
    const azureKey = request.headers['api-key'];
    return typeof azureKey === 'string' ? azureKey : undefined;
  }

  protected async handle({ request, response, recorded, apiKey }: MockRequestContext, scenario: MockScenario): Promise<void> {
    const path = recorded.path;
    if (scenario === 'unauthorized') {
      // Real OpenAI echoes (part of) the key back: adapters must scrub it from their errors.
      return this.sendJson(response, 401, {
        error: { message: `Incorrect API key provided: ${apiKey ?? '(none)'}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
      });
    }
    if (scenario === 'rate_limit') {
      return this.sendJson(
        response,
        429,
        { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
        { 'retry-after': String(this.retryAfterSeconds) },
      );
    }
    if (scenario === 'server_error') {
      return this.sendJson(response, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
    }
    if (request.method === 'GET' && path.endsWith('/models')) return this.listModels(response);
    if (request.method === 'POST' && path.endsWith('/embeddings')) return this.embeddings(response, recorded.body as EmbeddingRequest);
    if (request.method === 'POST' && path.endsWith('/chat/completions')) {
      const body = recorded.body as ChatRequest;
      const deployment = /\/deployments\/([^/]+)\//.exec(path)?.[1];
      const model = body.model ?? deployment ?? 'unknown';
      const reply = this.replyFor(replyContext(model, body));
      const usage = this.usage(body, reply);
      return body.stream ? this.stream(response, model, body, reply, usage, scenario) : this.complete(response, model, reply, usage, scenario);
    }
    return this.sendJson(response, 404, { error: { message: `no route ${request.method} ${path}`, type: 'invalid_request_error' } });
  }

  private usage(body: ChatRequest, reply: MockReply) {
    const prompt = body.messages.reduce((sum, m) => sum + countWords(textOf(m.content)), 0) + this.cacheRead;
    const completion = countWords(reply.text) + reply.toolCalls.length * 5;
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: this.cacheRead } };
  }

  private complete(response: ServerResponse, model: string, reply: MockReply, usage: ReturnType<MockOpenAIServer['usage']>, scenario: MockScenario): void {
    const body = {
      id: 'chatcmpl-mock',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.toolCalls.length ? null : reply.text,
            refusal: null,
            ...(reply.toolCalls.length ? { tool_calls: toolCallsOf(reply) } : {}),
          },
          logprobs: null,
          finish_reason: reply.toolCalls.length ? 'tool_calls' : 'stop',
        },
      ],
      usage,
      system_fingerprint: 'fp_mock',
    };
    this.sendAnswer(response, body, scenario, '{"id":"chatcmpl-mock","choices":[{"message":');
  }

  private stream(
    response: ServerResponse,
    model: string,
    body: ChatRequest,
    reply: MockReply,
    usage: ReturnType<MockOpenAIServer['usage']>,
    scenario: MockScenario,
  ): Promise<void> | void {
    this.startSse(response);
    const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, system_fingerprint: 'fp_mock' };
    const frames: string[] = [];
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      frames.push(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`);
    chunk({ role: 'assistant', content: '', refusal: null });
    for (const piece of splitText(reply.text, 4)) chunk({ content: piece });
    toolCallsOf(reply).forEach((call, index) => {
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      for (const piece of splitText(call.function.arguments, 3)) chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
    chunk({}, reply.toolCalls.length ? 'tool_calls' : 'stop');
    if (body.stream_options?.include_usage) frames.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
    if (scenario === 'cut_stream') return this.sendFramesThenCut(response, frames.slice(0, 2));
    if (scenario === 'malformed_chunk') frames.splice(2, 0, 'data: {"id":"chatcmpl-mock","choices":[{"delta":{"content":"bro\n\n');
    if (scenario !== 'missing_done') frames.push('data: [DONE]\n\n');
    return this.sendFrames(response, frames);
  }

  private listModels(response: ServerResponse): void {
    const models = this.options.models ?? ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'whisper-1', 'dall-e-3'];
    this.sendJson(response, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'mock' })) });
  }

  private embeddings(response: ServerResponse, body: EmbeddingRequest): void {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const tokens = inputs.reduce((sum, text) => sum + countWords(text), 0);
    this.sendJson(response, 200, {
      object: 'list',
      model: body.model,
      data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: [text.length, countWords(text), index] })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }
}

function toolCallsOf(reply: MockReply) {
  return reply.toolCalls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.arguments) } }));
}

function textOf(content: ChatMessage['content']): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function replyContext(model: string, body: ChatRequest) {
  const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return {
    model,
    lastUserText: lastUser ? textOf(lastUser.content) : '',
    tools: (body.tools ?? []).map((tool) => ({ name: tool.function.name, required: ((tool.function.parameters?.required as string[]) ?? []) })),
    hasToolResult: (body.messages ?? []).some((m) => m.role === 'tool'),
  };
}

/** Starts an OpenAI-format mock upstream on a free port. */
export function startMockOpenAIServer(options: MockServerOptions = {}): Promise<MockOpenAIServer> {
  return new MockOpenAIServer(options).start();
}
