/**
 * Kastra's one internal chat format: the OpenAI chat completions format. Every adapter
 * translates from and to it, so the proxy and its callers never see provider wire formats.
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextContentPart {
  type: 'text';
  text: string;
}

export interface ImageContentPart {
  type: 'image_url';
  /** An https URL or a `data:<mime>;base64,...` URL. */
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export type ContentPart = TextContentPart | ImageContentPart;

export interface ToolCall {
  id: string;
  type: 'function';
  /** `arguments` is a JSON string, exactly as OpenAI sends it. */
  function: { name: string; arguments: string };
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | TextContentPart[];
  name?: string;
}

export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content?: string | TextContentPart[] | null;
  tool_calls?: ToolCall[];
  name?: string;
  refusal?: string | null;
}

export interface ToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: string | TextContentPart[];
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A JSON schema object (kept loose: providers accept slightly different dialects). */
export type JsonSchema = Record<string, unknown>;

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonSchema; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: JsonSchema; strict?: boolean } };

export interface ChatRequest {
  /** A model id as the provider knows it (the proxy resolves handles before adapters see it). */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  response_format?: ResponseFormat;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  user?: string;
  /** Only 1 is supported: usage accounting and fallbacks assume one choice. */
  n?: 1;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens served from the provider's cache (included in prompt_tokens). */
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
  /** Anthropic only: prompt tokens written to the cache (included in prompt_tokens). */
  cache_creation_tokens?: number;
}

export interface ChatCompletionChoice {
  index: number;
  message: {
    role: 'assistant';
    content: string | null;
    tool_calls?: ToolCall[];
    refusal?: string | null;
  };
  finish_reason: FinishReason | null;
  logprobs?: null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: Usage;
  system_fingerprint?: string | null;
}

/** A fragment of a tool call in a stream: the first fragment of an index carries id and name. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: {
    role?: 'assistant';
    content?: string | null;
    tool_calls?: ToolCallDelta[];
    refusal?: string | null;
  };
  finish_reason: FinishReason | null;
  logprobs?: null;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  /** Empty on the final usage-only chunk, as OpenAI sends it with include_usage. */
  choices: ChatCompletionChunkChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
}

export interface EmbeddingRequest {
  model: string;
  input: string | string[];
  /** How the client wants vectors: numbers, or base64 of little-endian float32 (the OpenAI SDK's default). */
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

export interface EmbeddingResponse {
  object: 'list';
  model: string;
  data: Array<{ object: 'embedding'; index: number; embedding: number[] }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

export type ModelType = 'chat' | 'embedding';

export interface ModelInfo {
  /** The model id as the provider knows it, e.g. `gpt-4o`. */
  id: string;
  provider: string;
  type: ModelType;
  /** Human name where the provider gives one. */
  displayName?: string;
  contextWindow?: number;
  maxOutputTokens?: number;
  supportsVision?: boolean;
  supportsTools?: boolean;
  /** Where the entry came from: the provider's API, or the shipped list when the API failed. */
  source?: 'api' | 'catalogue';
}

/** A usage with every count at zero (a stream that ends before any usage arrived). */
export function emptyUsage(): Usage {
  return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
}
