import { Inject, Injectable, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { startClock } from '../calls/call-context';
import { AnthropicMessagesResponder } from './anthropic-messages-responder';
import { BearerAuthenticator } from './bearer-authenticator';
import { sendCallError } from './call-error-response';
import { callContextOf, type LlmRequest } from './llm-request';
import { OpenAiChatResponder } from './openai-chat-responder';
import { parseChatRequest } from './parse-chat-request';
import { JSON_CONTENT_TYPE } from './json-body.interceptor';
import { DEFAULT_BODY_LIMIT, parseByteLimit, readJsonBody } from './read-json-body';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The hot endpoints — `POST /v1/chat/completions` and `POST /v1/messages` — served by a bare
 * `node:http` listener in front of Express on the same server: Nest + Express cost about a
 * millisecond of CPU per request (router, middleware chain, guard and filter plumbing), more
 * than the proxy's own work on a call. Only the edge is thinner: the same authenticator
 * (verified-token cache), responders, call pipeline and error bodies as the Nest controllers.
 * Anything it does not recognise — other routes, non-JSON or compressed bodies — goes on to
 * Express unchanged, whose controllers still serve those routes. The token is checked before the
 * body is read, as the Nest routes do (guards, then JsonBodyInterceptor).
 */
@Injectable()
export class FastCallEdge implements OnApplicationBootstrap {
  private readonly bodyLimit = parseByteLimit(process.env.KASTRA_LLM_BODY_LIMIT ?? DEFAULT_BODY_LIMIT);

  constructor(
    @Inject(BearerAuthenticator) private readonly authenticator: BearerAuthenticator,
    @Inject(OpenAiChatResponder) private readonly chat: OpenAiChatResponder,
    @Inject(AnthropicMessagesResponder) private readonly messages: AnthropicMessagesResponder,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Runs in app.init(), before the server listens: puts this edge before Express's listener. */
  onApplicationBootstrap(): void {
    const server = this.adapterHost?.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server || typeof server.listeners !== 'function') return;
    this.install(server);
  }

  /** Makes `server` offer each request to this edge first, then to its existing listeners. */
  install(server: Server): void {
    const others = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.handle(req, res)) return;
      for (const listener of others) listener.call(server, req, res);
    });
  }

  /** True when the request is one of the hot routes and this edge answers it. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const route = path === '/v1/chat/completions' ? 'chat' : path === '/v1/messages' ? 'messages' : undefined;
    if (!route) return false;
    const type = req.headers['content-type'];
    const encoding = req.headers['content-encoding'];
    // Express's body parser handles the rest (other types, gzip, charsets): leave those to it.
    if (typeof type !== 'string' || !JSON_CONTENT_TYPE.test(type) || (encoding !== undefined && encoding !== 'identity')) return false;
    void this.serve(req as LlmRequest, res, route, path);
    return true;
  }

  private async serve(req: LlmRequest, res: ServerResponse, route: 'chat' | 'messages', path: string): Promise<void> {
    const clock = (req.llmClock = startClock());
    try {
      // As the Nest guard: who calls, before a byte of the body is read (an anonymous body is never buffered).
      req.principal = this.authenticator.principalOf(req.headers);
      const body = await readJsonBody(req, this.bodyLimit);
      if (body === undefined) return; // the client went away while sending
      if (route === 'chat') await this.chat.respond(parseChatRequest(body), callContextOf(req, res), res);
      else await this.messages.respond(body, () => callContextOf(req, res), res);
    } catch (error) {
      sendCallError(path, res, error, clock);
    }
  }
}
