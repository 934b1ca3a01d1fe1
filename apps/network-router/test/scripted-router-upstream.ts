import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat call the upstream received: its Idempotency-Key and when it arrived (this process's clock). */
export interface UpstreamCall {
  key: string;
  at: number;
  kind: 'router' | 'member';
}

/** The route every run takes: these members in order, then done. */
export const SCRIPTED_ROUTE = ['researcher', 'writer', 'researcher'];

export function scriptedAnswer(task: string): string {
  return `the answer to: ${task}`;
}

/**
 * An OpenAI-compatible upstream scripted for networks, behind a real llm-proxy: a request with the
 * `route` JSON schema gets the next decision of SCRIPTED_ROUTE (counted from the decisions the
 * conversation replays), then `done` with scriptedAnswer(task); any other request is a member's and
 * gets `<member> did: <its input>` after a delay (so a kill can land while it is open). Counts
 * calls by Idempotency-Key and knows which are open.
 */
export class ScriptedRouterUpstream {
  readonly calls: UpstreamCall[] = [];
  private readonly open = new Map<string, number>();
  private readonly server: Server;

  private constructor(
    private readonly memberDelayMs: () => number,
    private readonly route: RouteScript,
  ) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** `route` answers the routing calls (default: SCRIPTED_ROUTE, then done). */
  static async start(memberDelayMs: () => number, route: RouteScript = routeDecision): Promise<ScriptedRouterUpstream> {
    const upstream = new ScriptedRouterUpstream(memberDelayMs, route);
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  callsOf(prefix: string): UpstreamCall[] {
    return this.calls.filter((call) => call.key.startsWith(prefix));
  }

  isOpen(key: string): boolean {
    return (this.open.get(key) ?? 0) > 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as { model?: string; messages?: Array<{ role: string; content: unknown }>; response_format?: { json_schema?: { name?: string } } };
      const key = String(req.headers['idempotency-key'] ?? '');
      const router = body.response_format?.json_schema?.name === 'route';
      this.calls.push({ key, at: Date.now(), kind: router ? 'router' : 'member' });
      this.open.set(key, (this.open.get(key) ?? 0) + 1);
      const messages = body.messages ?? [];
      const content = router ? this.route(messages) : `${/^You are ([a-z-]+)/.exec(String(messages[0]?.content ?? ''))?.[1] ?? 'someone'} did: ${String(messages.at(-1)?.content ?? '')}`;
      setTimeout(
        () => {
          this.open.set(key, (this.open.get(key) ?? 1) - 1);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'chatcmpl-scripted',
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: body.model ?? 'scripted',
              choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
              usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
            }),
          );
        },
        router ? 20 + Math.floor(Math.random() * 150) : this.memberDelayMs(),
      );
    });
  }
}

/** The router's answer to a routing call's conversation (the assistant's text). */
export type RouteScript = (messages: Array<{ role: string; content: unknown }>) => string;

/** The next decision: the route's next member after those the conversation already decided, then done. */
function routeDecision(messages: Array<{ role: string; content: unknown }>): string {
  const task = String(messages.find((m) => m.role === 'user')?.content ?? '');
  const decided = messages.filter((m) => m.role === 'assistant').length;
  if (decided < SCRIPTED_ROUTE.length) {
    const next = SCRIPTED_ROUTE[decided];
    return JSON.stringify({ next, input: `part ${decided + 1} of: ${task}`, reason: `step ${decided + 1} of the script`, answer: '' });
  }
  return JSON.stringify({ next: 'done', input: '', reason: 'the script is done', answer: scriptedAnswer(task) });
}
