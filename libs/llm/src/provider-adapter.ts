import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelInfo,
  Usage,
} from './chat-types';
import type { CancelSignal } from './cancel-signal';
import type { EgressPolicy } from '@kastra/egress';
import type { ProviderError } from './provider-errors';

/** What one upstream call needs besides the request: where, with which key, until when. */
export interface ProviderCall {
  /** Omitted for providers that need none (mock, ollama). Never logged. */
  apiKey?: string;
  /** Overrides the provider's default base URL (required for openai-compatible and azure). */
  baseUrl?: string;
  /** Azure only: the `api-version` query parameter. @default '2024-10-21' */
  apiVersion?: string;
  /** Azure only: the deployment name (defaults to the request's model). */
  deployment?: string;
  /**
   * Aborting it cancels the upstream HTTP request; the adapter then throws kind 'cancelled'. An
   * AbortSignal, or a cheaper `Cancellation` (the llm-proxy's).
   */
  signal: CancelSignal;
  /** Whole-call deadline; on expiry the adapter throws kind 'timeout'. */
  timeoutMs?: number;
  /** Extra headers for the upstream (e.g. traceparent). */
  headers?: Record<string, string>;
  /** Provider-specific settings, e.g. the mock's scripted `responses`. */
  options?: Record<string, unknown>;
  /**
   * Set when a resource chose the base URL: every connection of the call (each redirect too)
   * goes through the egress policy, and a refused address fails the call before the key is sent.
   * Unset (an operator's endpoint): not checked.
   */
  egress?: { policy: EgressPolicy; privateAllowed: boolean };
}

export interface ChatResult {
  completion: ChatCompletion;
  usage: Usage;
}

/**
 * One upstream provider, speaking Kastra's OpenAI chat format on both sides. Adapters are
 * stateless: keys, limits and retries belong to the caller.
 */
export interface ProviderAdapter {
  readonly provider: string;
  chat(request: ChatRequest, call: ProviderCall): Promise<ChatResult>;
  /**
   * Streams OpenAI-format chunks; the last chunk carries `usage`. Throws a ProviderError
   * (stream_cut, malformed) when the upstream stream is cut, garbled or ends without its
   * terminator — it never ends cleanly on a cut stream.
   */
  chatStream(request: ChatRequest, call: ProviderCall): AsyncIterable<ChatCompletionChunk>;
  listModels(call: ProviderCall): Promise<ModelInfo[]>;
  /**
   * True when the key works, false when the upstream rejects it (401/403), the ProviderError
   * when the check could not tell (network, 5xx, timeout...).
   */
  checkApiKey(call: ProviderCall): Promise<boolean | ProviderError>;
  embeddings?(request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResponse>;
  /** The provider's own count of a request's input tokens, where it has a count endpoint (Anthropic). */
  countTokens?(request: ChatRequest, call: ProviderCall): Promise<number>;
}
