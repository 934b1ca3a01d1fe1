import type { ChatCompletion, ChatRequest } from './chat-types';

export interface LlmCallOptions {
  /** The principal the call is made for (usage is recorded against it). */
  user: string;
  signal?: AbortSignal;
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
