import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ChatMessage {
  role: string;
  content: unknown;
}

/** One chat call the upstream answered. */
export interface ScriptedCall {
  kind: 'router' | 'member';
  /** The scenario tag of the run's task (`exact`, `never`, ...), for router calls. */
  scenario?: string;
  /** The member that was called (member calls), from its instructions "You are <name>...". */
  member?: string;
  idempotencyKey: string;
  messages: ChatMessage[];
  /** What the upstream answered. */
  content: string;
}

type Decision = { next: string; input: string; reason: string; answer: string };
const step = (next: string, input: string, reason: string): Decision => ({ next, input, reason, answer: '' });
const done = (answer: string, reason = 'finished'): Decision => ({ next: 'done', input: '', reason, answer });

/** The route of the `exact` scenario, then done with EXACT_ANSWER. */
export const EXACT_ROUTE: Decision[] = [step('analyst', 'gather the numbers', 'numbers first'), step('writer', 'draft the report', 'now write'), step('analyst', 'check the draft', 'verify')];
export const EXACT_ANSWER = 'Scripted answer: 42, checked twice.';
export const TYPO_ANSWER = 'The typo was corrected.';
/** A member input that makes the member's call hang this long (a run to cancel). */
export const SLOW_INPUT = 'take your time';
const SLOW_MS = 30_000;

/**
 * What the router model answers, by the run's scenario (the `[tag]` its task starts with):
 * - `exact`: EXACT_ROUTE, one decision per call, then done with EXACT_ANSWER;
 * - `never`: `writer` forever (a router that never says done);
 * - `typo`: first "analyts" (no such member); after the corrective turn `analyst`; then done;
 * - `ghost`: "ghost" every time, corrective turn or not;
 * - `slow`: `analyst` with SLOW_INPUT.
 * `decided` counts this run's decisions so far; `correcting` is a corrective turn's call.
 */
function decide(scenario: string, decided: number, correcting: boolean): Decision {
  switch (scenario) {
    case 'exact':
      return EXACT_ROUTE[decided] ?? done(EXACT_ANSWER);
    case 'never':
      return step('writer', `round ${decided + 1}`, 'not finished yet');
    case 'typo':
      if (decided === 0) return correcting ? step('analyst', 'gather the numbers', 'corrected') : step('analyts', 'gather the numbers', 'typo');
      return done(TYPO_ANSWER);
    case 'ghost':
      return step('ghost', 'haunt', 'boo');
    case 'slow':
      return decided === 0 ? step('analyst', SLOW_INPUT, 'slowly') : done('never reached');
    default:
      return done(`no script for "${scenario}"`);
  }
}

/**
 * An OpenAI-compatible upstream (`/v1/chat/completions`, `/v1/models`) scripted for network runs
 * behind a real llm-proxy: a router call (its system prompt is the router's) gets the scenario's
 * next decision as JSON; a member call gets `<member> did: <its input>`. Records every call.
 */
export class ScriptedNetworkUpstream {
  readonly calls: ScriptedCall[] = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  static async start(): Promise<ScriptedNetworkUpstream> {
    const upstream = new ScriptedNetworkUpstream();
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** The calls of one run (their Idempotency-Keys start with its uid), in the order they came. */
  callsOfRun(uid: string, kind?: ScriptedCall['kind']): ScriptedCall[] {
    return this.calls.filter((call) => call.idempotencyKey.startsWith(uid) && (kind === undefined || call.kind === kind));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url?.endsWith('/models')) return json(res, 200, { object: 'list', data: [{ id: 'scripted-1', object: 'model', created: 1700000000, owned_by: 'test' }] });
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return json(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
      const body = JSON.parse(text || '{}') as { model?: string; stream?: boolean; messages?: ChatMessage[] };
      const messages = body.messages ?? [];
      const system = String(messages.find((m) => m.role === 'system')?.content ?? '');
      const idempotencyKey = String(req.headers['idempotency-key'] ?? '');
      let call: ScriptedCall;
      let delay = 0;
      if (system.startsWith('You are the router')) {
        const taskAt = messages.findIndex((m) => m.role === 'user');
        const scenario = /^\[(\w+)\]/.exec(String(messages[taskAt]?.content ?? ''))?.[1] ?? '';
        const correcting = String(messages.at(-1)?.content ?? '').startsWith('There is no member named');
        const assistants = messages.slice(taskAt + 1).filter((m) => m.role === 'assistant').length;
        const decision = decide(scenario, assistants - (correcting ? 1 : 0), correcting);
        call = { kind: 'router', scenario, idempotencyKey, messages, content: JSON.stringify(decision) };
      } else {
        const member = /^You are (\w+)/.exec(system)?.[1] ?? 'someone';
        const input = String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');
        if (input === SLOW_INPUT) delay = SLOW_MS;
        call = { kind: 'member', member, idempotencyKey, messages, content: `${member} did: ${input}` };
      }
      this.calls.push(call);
      const timer = setTimeout(() => (body.stream ? stream(res, body.model ?? 'scripted-1', call.content) : complete(res, body.model ?? 'scripted-1', call.content)), delay);
      res.on('close', () => clearTimeout(timer));
    });
  }
}

const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function complete(res: ServerResponse, model: string, content: string): void {
  json(res, 200, {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: USAGE,
  });
}

function stream(res: ServerResponse, model: string, content: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }] })}\n\n`);
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: USAGE })}\n\n`);
  res.end('data: [DONE]\n\n');
}
