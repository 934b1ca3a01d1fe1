import type { ChatCompletion, ChatRequest } from './chat-types';

export interface LlmCallOptions {
  /** The principal the call is made for (usage is recorded against it). */
  user: string;
  signal?: AbortSignal;
  /**
   * Stable key of this model call across re-runs of the same logical call (a run's step after a
   * crash): the llm-proxy sends it upstream as `Idempotency-Key`.
   */
  idempotencyKey?: string;
  /** The uid of the run the call is made for: the llm-proxy records it on the call's usage event. */
  runUid?: string;
}

/** How the runtime reaches a model: the llm-proxy, or a scripted fake in tests. */
export interface LlmClient {
  chat(request: ChatRequest, options: LlmCallOptions): Promise<ChatCompletion>;
}

/** The llm-proxy (or the way to it) refused or failed a chat call. */
export class LlmCallError extends Error {
  override readonly name = 'LlmCallError';
  constructor(
    /** HTTP status the proxy reported (504 for a timeout, 503 when no proxy answers). */
    readonly status: number,
    /** The proxy's error kind: auth | rate_limit | server | timeout | bad_request | ... */
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
