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

interface GeminiPartBody {
  text?: string;
  functionCall?: unknown;
  functionResponse?: unknown;
}

interface GeminiBody {
  contents: Array<{ role: string; parts: GeminiPartBody[] }>;
  systemInstruction?: { parts: GeminiPartBody[] };
  tools?: Array<{ functionDeclarations?: Array<{ name: string; parameters?: { required?: string[] } }> }>;
}

/**
 * An upstream speaking Gemini's REST API: `v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:batchEmbedContents` and `v1beta/models`. Like the real
 * one it takes the key from `x-goog-api-key` (and, to let tests catch leaks, from `?key=`).
 */
export class MockGeminiServer extends MockUpstreamServer {
  get baseUrl(): string {
    return this.origin;
  }

  protected apiKeyOf(request: IncomingMessage, url: URL): string | undefined {
    const key = request.headers['x-goog-api-key'];
    return typeof key === 'string' ? key : (url.searchParams.get('key') ?? undefined);
  }

  protected async handle({ request, response, recorded, url }: MockRequestContext, scenario: MockScenario): Promise<void> {
    // Gemini answers a bad key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
    if (scenario === 'unauthorized') {
      return this.sendJson(response, 400, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        },
      });
    }
    if (scenario === 'rate_limit') {
      return this.sendJson(response, 429, { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } }, {
        'retry-after': String(this.retryAfterSeconds),
      });
    }
    if (scenario === 'server_error') return this.sendJson(response, 500, { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } });
    if (request.method === 'GET' && recorded.path === '/v1beta/models') return this.listModels(response);
    const match = /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(recorded.path);
    if (request.method === 'POST' && match) {
      const model = decodeURIComponent(match[1]);
      if (match[2] === 'batchEmbedContents') return this.embed(response, recorded.body as { requests: Array<{ content: { parts: GeminiPartBody[] } }> });
      const body = recorded.body as GeminiBody;
      const reply = this.replyFor(replyContext(model, body));
      const prompt = countWords(partsText(body.systemInstruction?.parts)) + body.contents.reduce((sum, c) => sum + countWords(partsText(c.parts)), 0);
      const usageMetadata = {
        promptTokenCount: prompt,
        candidatesTokenCount: countWords(reply.text) + reply.toolCalls.length * 5,
        totalTokenCount: prompt + countWords(reply.text) + reply.toolCalls.length * 5,
        ...(this.cacheRead ? { cachedContentTokenCount: this.cacheRead } : {}),
      };
      if (match[2] === 'streamGenerateContent' && url.searchParams.get('alt') === 'sse') return this.stream(response, model, reply, usageMetadata, scenario);
      return this.complete(response, model, reply, usageMetadata, scenario);
    }
    return this.sendJson(response, 404, { error: { code: 404, message: `no route ${request.method} ${recorded.path}`, status: 'NOT_FOUND' } });
  }

  private complete(response: ServerResponse, model: string, reply: MockReply, usageMetadata: Record<string, number>, scenario: MockScenario): void {
    const body = {
      candidates: [{ content: { role: 'model', parts: partsOf(reply.text, reply) }, finishReason: 'STOP', index: 0 }],
      usageMetadata,
      modelVersion: model,
      responseId: 'mock-response',
    };
    this.sendAnswer(response, body, scenario, '{"candidates":[{"content":');
  }

  private stream(response: ServerResponse, model: string, reply: MockReply, usageMetadata: Record<string, number>, scenario: MockScenario): Promise<void> | void {
    this.startSse(response);
    const pieces = splitText(reply.text, 3);
    const frames = pieces.map((text) => ({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0 }], modelVersion: model }));
    // Tool calls arrive whole in Gemini streams; the finishing chunk carries usage.
    frames.push({
      candidates: [{ content: { role: 'model', parts: partsOf('', reply) }, index: 0, ...(scenario === 'missing_done' ? {} : { finishReason: 'STOP' }) }],
      modelVersion: model,
      ...(scenario === 'missing_done' ? {} : { usageMetadata }),
    } as (typeof frames)[number]);
    const wire = frames.map((frame) => `data: ${JSON.stringify(frame)}\r\n\r\n`);
    if (scenario === 'cut_stream') return this.sendFramesThenCut(response, wire.slice(0, 1));
    if (scenario === 'malformed_chunk') wire.splice(1, 0, 'data: {"candidates":[{"content":{"parts":[{"text":"bro\r\n\r\n');
    return this.sendFrames(response, wire);
  }

  private listModels(response: ServerResponse): void {
    const models = this.options.models ?? ['gemini-2.5-flash', 'gemini-2.5-pro', 'text-embedding-004', 'imagen-3.0-generate-002'];
    this.sendJson(response, 200, {
      models: models.map((id) => ({
        name: `models/${id}`,
        displayName: id,
        inputTokenLimit: id.includes('embedding') ? 2048 : 1048576,
        outputTokenLimit: id.includes('embedding') ? 1 : 65536,
        supportedGenerationMethods: id.includes('embedding') ? ['embedContent'] : id.startsWith('imagen') ? ['predict'] : ['generateContent', 'countTokens'],
      })),
    });
  }

  private embed(response: ServerResponse, body: { requests: Array<{ content: { parts: GeminiPartBody[] } }> }): void {
    this.sendJson(response, 200, {
      embeddings: body.requests.map((r) => {
        const text = partsText(r.content.parts);
        return { values: [text.length, countWords(text)] };
      }),
    });
  }
}

function partsOf(text: string, reply: MockReply): Array<Record<string, unknown>> {
  return [...(text ? [{ text }] : []), ...reply.toolCalls.map((call) => ({ functionCall: { name: call.name, args: call.arguments } }))];
}

function partsText(parts: GeminiPartBody[] | undefined): string {
  return (parts ?? []).map((p) => p.text ?? '').join(' ');
}

function replyContext(model: string, body: GeminiBody) {
  const lastUser = [...body.contents].reverse().find((c) => c.role === 'user' && c.parts.some((p) => p.text !== undefined));
  return {
    model,
    lastUserText: lastUser ? partsText(lastUser.parts.filter((p) => p.text !== undefined)) : '',
    tools: (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((f) => ({ name: f.name, required: f.parameters?.required ?? [] })),
    hasToolResult: body.contents.some((c) => c.parts.some((p) => p.functionResponse !== undefined)),
  };
}

/** Starts a Gemini-format mock upstream on a free port. */
export function startMockGeminiServer(options: MockServerOptions = {}): Promise<MockGeminiServer> {
  return new MockGeminiServer(options).start();
}
