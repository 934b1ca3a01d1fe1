import { headers, type NatsConnection } from '@nats-io/transport-node';
import { injectTraceContext } from '@kastra/telemetry';
import type { ChatCompletion, ChatRequest } from './chat-types';
import { LlmCallError, type LlmCallOptions, type LlmClient } from './llm-client';

export interface NatsLlmClientOptions {
  nc: NatsConnection;
  /** The NATS prefix (KASTRA_NATS_PREFIX); the subject is `<prefix>.llm.chat`. */
  prefix: string;
  /** How long to wait for the llm-proxy's reply. @default 120000 */
  timeoutMs?: number;
}

type ChatReply =
  | { ok: true; completion: ChatCompletion }
  | { ok: false; error: { status: number; type: string; message: string } };

/** Chat calls through the llm-proxy over NATS request/reply (queue group `llm-proxy`). */
export class NatsLlmClient implements LlmClient {
  private readonly subject: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: NatsLlmClientOptions) {
    this.subject = `${options.prefix}.llm.chat`;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  async chat(request: ChatRequest, { user, signal, idempotencyKey, runUid }: LlmCallOptions): Promise<ChatCompletion> {
    if (signal?.aborted) throw new LlmCallError(499, 'cancelled', 'llm call cancelled');
    const h = injectTraceContext(headers());
    const payload = JSON.stringify({ request: { ...request, stream: false }, user, ...(idempotencyKey ? { idempotencyKey } : {}), ...(runUid ? { runUid } : {}) });
    const reply = this.options.nc.request(this.subject, payload, { timeout: this.timeoutMs, headers: h });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new LlmCallError(499, 'cancelled', 'llm call cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    let body: ChatReply;
    try {
      const msg = await Promise.race([reply, aborted]);
      body = msg.json<ChatReply>();
    } catch (error) {
      throw asLlmCallError(error, this.subject, this.timeoutMs);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      reply.catch(() => undefined);
    }
    if (body?.ok === true && body.completion) return body.completion;
    if (body?.ok === false && body.error) throw new LlmCallError(body.error.status, body.error.type, body.error.message);
    throw new LlmCallError(502, 'malformed', `llm-proxy reply on ${this.subject} does not follow the contract`);
  }
}

function asLlmCallError(error: unknown, subject: string, timeoutMs: number): LlmCallError {
  if (error instanceof LlmCallError) return error;
  const text = error instanceof Error ? `${error.name} ${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
  if (/no ?responders/i.test(text) || (error as { isNoResponders?: () => boolean }).isNoResponders?.()) {
    return new LlmCallError(503, 'unavailable', `no llm-proxy answers on ${subject}`);
  }
  if (/timeout/i.test(text)) return new LlmCallError(504, 'timeout', `llm-proxy did not answer on ${subject} within ${timeoutMs} ms`);
  if (error instanceof SyntaxError) return new LlmCallError(502, 'malformed', `llm-proxy reply on ${subject} is not JSON`);
  return new LlmCallError(502, 'network', `llm call on ${subject} failed: ${error instanceof Error ? error.message : String(error)}`);
}
