import { isProviderError, MockAdapter, type ChatCompletionChunk, type ChatRequest, type EmbeddingRequest, type ProviderCall } from '@kastra/llm';

/** The base URL the mock provider's clients are given: nothing listens there, requests never leave the process. */
export const MOCK_PROVIDER_BASE_URL = 'http://mock.kastra.invalid/v1';

/**
 * A `fetch` that answers OpenAI's wire format (`/chat/completions` as JSON or SSE, `/models`,
 * `/embeddings`) in this process, with the mock provider of libs/llm — the one llm-proxy runs —
 * so the AI SDK's own OpenAI-compatible model and the `openai` client work offline, through the
 * same request and stream handling as for a real provider. `options` are the LLM's
 * spec.options (the mock's scripted `responses`, `failWith`, `delayMs`).
 */
export function mockProviderFetch(options: Record<string, unknown> = {}): typeof fetch {
  const adapter = new MockAdapter();
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const call: ProviderCall = { signal: init?.signal ?? new AbortController().signal, options };
    try {
      if (method === 'GET' && url.pathname.endsWith('/models')) {
        return json(200, { object: 'list', data: (await adapter.listModels()).map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: 'mock' })) });
      }
      if (method === 'POST' && url.pathname.endsWith('/embeddings')) {
        return json(200, await adapter.embeddings(await bodyOf<EmbeddingRequest>(input, init), call));
      }
      if (method === 'POST' && url.pathname.endsWith('/chat/completions')) {
        const request = await bodyOf<ChatRequest>(input, init);
        if (!request.stream) return json(200, (await adapter.chat(request, call)).completion);
        const chunks = adapter.chatStream(request, call)[Symbol.asyncIterator]();
        // The first chunk decides the status: a failing call is an HTTP error, as from a server.
        const first = await chunks.next();
        return new Response(sseBody(first, chunks, request.stream_options?.include_usage === true), {
          status: 200,
          headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
        });
      }
      return errorResponse(404, 'not_found', `the mock provider has no route ${method} ${url.pathname}`);
    } catch (error) {
      if (isProviderError(error)) return errorResponse(error.status, error.kind, error.message);
      throw error;
    }
  };
}

async function bodyOf<T>(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): Promise<T> {
  const body = init?.body ?? (input instanceof Request ? await input.text() : undefined);
  if (typeof body !== 'string') throw new TypeError('the mock provider reads JSON request bodies given as text');
  return JSON.parse(body) as T;
}

function sseBody(first: IteratorResult<ChatCompletionChunk>, rest: AsyncIterator<ChatCompletionChunk>, includeUsage: boolean): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const frame = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
  let next: IteratorResult<ChatCompletionChunk> | undefined = first;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const result = next ?? (await rest.next());
        next = undefined;
        if (result.done) {
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
          return;
        }
        // The usage chunk (no choices) goes only to clients that asked for it, as OpenAI does.
        if (result.value.choices.length > 0 || includeUsage) controller.enqueue(frame(result.value));
      } catch (error) {
        // A stream failing after its first chunk ends with an error event, never with [DONE].
        const message = isProviderError(error) ? error.message : 'the mock stream failed';
        controller.enqueue(frame({ error: { message, type: isProviderError(error) ? error.kind : 'server', code: null } }));
        controller.close();
      }
    },
    async cancel() {
      await rest.return?.();
    },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function errorResponse(status: number, type: string, message: string): Response {
  return json(status, { error: { message, type, param: null, code: type } });
}
