import type { ChatRequest } from '@kastra/llm';

/** Rough characters per token of English text for GPT-style tokenizers. */
const CHARS_PER_TOKEN = 4;
/** Per-message framing tokens (role, separators), as OpenAI documents it. */
const TOKENS_PER_MESSAGE = 4;
/** What one image counts as before the provider reports real usage (OpenAI low-detail tile). */
const TOKENS_PER_IMAGE = 85;

/**
 * An upper-leaning estimate of a request's prompt tokens, used only to reserve budget before the
 * call; the reservation is settled with the provider's real count afterwards.
 */
export function estimatePromptTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
  let chars = 0;
  let tokens = 3;
  for (const message of request.messages) {
    tokens += TOKENS_PER_MESSAGE;
    const content = (message as { content?: unknown }).content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content as Array<{ type?: string; text?: string }>) {
        if (part.type === 'image_url') tokens += TOKENS_PER_IMAGE;
        else chars += typeof part.text === 'string' ? part.text.length : 0;
      }
    }
    const toolCalls = (message as { tool_calls?: Array<{ function?: { name?: string; arguments?: string } }> }).tool_calls;
    for (const call of toolCalls ?? []) chars += (call.function?.name?.length ?? 0) + (call.function?.arguments?.length ?? 0);
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  return tokens + Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Tokens of a piece of streamed output, when the upstream never reported usage (cancelled streams). */
export function estimateTextTokens(text: string): number {
  return tokensOfChars(text.length);
}

export function tokensOfChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
