import type Anthropic from '@anthropic-ai/sdk';
import type { GoogleGenerativeAIProvider } from '@ai-sdk/google';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type OpenAI from 'openai';

/**
 * The provider's official client a model exposes as `client`: `openai` (OpenAI and every
 * OpenAI-format provider: groq, qwen, kimi, ollama, openai-compatible, mock; `AzureOpenAI` for
 * azure), `@anthropic-ai/sdk` for anthropic, and for google the AI SDK's Google provider (the
 * repository ships no Google client library; it creates further Gemini models and embeddings).
 */
export type LanguageModelClient = OpenAI | Anthropic | GoogleGenerativeAIProvider;

/** A provider's AI SDK model and how to make its client (made on first use only). */
export interface ProviderBinding {
  model: LanguageModelV3;
  createClient(): LanguageModelClient;
}
