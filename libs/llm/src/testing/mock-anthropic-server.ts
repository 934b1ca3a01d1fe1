import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  countWords,
  type MockReply,
  type MockRequestContext,
  type MockScenario,
  type MockServerOptions,
  MockUpstreamServer,
  splitText,
} from './mock-upstream-server';

interface AnthropicBlock {
  type: string;
  text?: string;
  content?: string | AnthropicBlock[];
}

interface AnthropicBody {
  model: string;
  stream?: boolean;
  system?: string | AnthropicBlock[];
  messages: Array<{ role: 'user' | 'assistant'; content: string | AnthropicBlock[] }>;
  tools?: Array<{ name: string; input_schema?: { required?: string[] } }>;
}

/**
 * An upstream speaking Anthropic's Messages API: /v1/messages (JSON and named SSE events
 * message_start ... message_stop) and /v1/models. Keys come in `x-api-key` or as a bearer token.
 */
export class MockAnthropicServer extends MockUpstreamServer {
  get baseUrl(): string {
    return this.origin;
  }

  /** `x-api-key`, or a bearer token: recent SDK versions send the key that way. */
  protected apiKeyOf(request: IncomingMessage): string | undefined {
    const key = request.headers['x-api-key'];
    if (typeof key === 'string') return key;
    const auth = request.headers.authorization;
    return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  }

  protected async handle({ request, response, recorded }: MockRequestContext, scenario: MockScenario): Promise<void> {
    if (scenario === 'unauthorized') return this.error(response, 401, 'authentication_error', 'invalid x-api-key');
    if (scenario === 'rate_limit') {
      return this.error(response, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', {
        'retry-after': String(this.retryAfterSeconds),
      });
    }
    if (scenario === 'server_error') return this.error(response, 500, 'api_error', 'Internal server error');
    if (request.method === 'GET' && recorded.path === '/v1/models') return this.listModels(response);
    if (request.method === 'POST' && recorded.path === '/v1/messages') {
      const body = recorded.body as AnthropicBody;
      const reply = this.replyFor(replyContext(body));
      const input = countWords(textOf(body.system)) + body.messages.reduce((sum, m) => sum + countWords(textOf(m.content)), 0);
      const usage = { input_tokens: input, cache_read_input_tokens: this.cacheRead, cache_creation_input_tokens: this.cacheWrite };
      const output = countWords(reply.text) + reply.toolCalls.length * 5;
      return body.stream ? this.stream(response, body.model, reply, usage, output, scenario) : this.complete(response, body.model, reply, usage, output, scenario);
    }
    if (request.method === 'POST' && recorded.path === '/v1/messages/count_tokens') {
      // Counted as the messages route reports input_tokens: words of the system prompt and messages.
      const body = recorded.body as AnthropicBody;
      const input = countWords(textOf(body.system)) + body.messages.reduce((sum, m) => sum + countWords(textOf(m.content)), 0);
      return this.sendJson(response, 200, { input_tokens: input });
    }
    return this.error(response, 404, 'not_found_error', `no route ${request.method} ${recorded.path}`);
  }

  private error(response: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
    this.sendJson(response, status, { type: 'error', error: { type, message } }, headers);
  }

  private complete(response: ServerResponse, model: string, reply: MockReply, usage: Record<string, number>, output: number, scenario: MockScenario): void {
    const body = {
      id: 'msg_mock',
      type: 'message',
      role: 'assistant',
      model,
      content: [
        ...(reply.text ? [{ type: 'text', text: reply.text }] : []),
        ...reply.toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments })),
      ],
      stop_reason: reply.toolCalls.length ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { ...usage, output_tokens: output },
    };
    this.sendAnswer(response, body, scenario, '{"id":"msg_mock","content":[');
  }

  private stream(response: ServerResponse, model: string, reply: MockReply, usage: Record<string, number>, output: number, scenario: MockScenario): Promise<void> | void {
    this.startSse(response);
    const frames: string[] = [];
    const event = (type: string, data: Record<string, unknown>) => frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', {
      message: { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    });
    event('ping', {});
    let index = 0;
    if (reply.text) {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of splitText(reply.text, 4)) event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      event('content_block_stop', { index });
      index++;
    }
    for (const call of reply.toolCalls) {
      event('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
      for (const piece of splitText(JSON.stringify(call.arguments), 3)) event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      event('content_block_stop', { index });
      index++;
    }
    event('message_delta', { delta: { stop_reason: reply.toolCalls.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: output } });
    if (scenario !== 'missing_done') event('message_stop', {});
    if (scenario === 'cut_stream') return this.sendFramesThenCut(response, frames.slice(0, 3));
    if (scenario === 'malformed_chunk') frames.splice(3, 0, 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n');
    return this.sendFrames(response, frames);
  }

  private listModels(response: ServerResponse): void {
    const models = this.options.models ?? ['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022'];
    this.sendJson(response, 200, {
      data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
      has_more: false,
      first_id: models[0] ?? null,
      last_id: models[models.length - 1] ?? null,
    });
  }
}

function textOf(content: string | AnthropicBlock[] | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((block) => (block.type === 'text' ? (block.text ?? '') : block.type === 'tool_result' ? textOf(block.content) : '')).join(' ');
}

function replyContext(body: AnthropicBody) {
  const lastUser = [...body.messages].reverse().find((m) => m.role === 'user' && (typeof m.content === 'string' || m.content.some((b) => b.type === 'text')));
  return {
    model: body.model,
    lastUserText: lastUser ? textOf(typeof lastUser.content === 'string' ? lastUser.content : lastUser.content.filter((b) => b.type === 'text')) : '',
    tools: (body.tools ?? []).map((tool) => ({ name: tool.name, required: tool.input_schema?.required ?? [] })),
    hasToolResult: body.messages.some((m) => typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_result')),
  };
}

/** Starts an Anthropic-format mock upstream on a free port. */
export function startMockAnthropicServer(options: MockServerOptions = {}): Promise<MockAnthropicServer> {
  return new MockAnthropicServer(options).start();
}
