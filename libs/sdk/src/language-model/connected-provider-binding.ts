import Anthropic from '@anthropic-ai/sdk';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import OpenAI from 'openai';
import type { LlmManifest } from './llm-manifest';
import type { ProviderBinding } from './provider-binding';

/** Where a connected model calls: a cluster's llm-proxy, as the caller. */
export interface LlmProxyConnection {
  /** llm-proxy's URL, e.g. `http://127.0.0.1:8081` (its OpenAI-compatible API is under `/v1`). */
  llmProxy: string;
  /** The caller's bearer token (`kastra token`): what the proxy bills and limits, sent as the API key. */
  token: string;
  fetch?: typeof fetch;
}

/**
 * The model of an LLM the cluster holds, called through llm-proxy's OpenAI-compatible
 * `/v1/chat/completions` under its `namespace.name` handle: the proxy resolves it to the LLM's
 * provider, key, limits and fallbacks, so no provider key ever reaches this process. `client`
 * is an `openai` client at the proxy (an `@anthropic-ai/sdk` client at its `/v1/messages` for
 * anthropic LLMs), also authenticated with the token.
 */
export function connectedProviderBinding(llm: LlmManifest, connection: LlmProxyConnection): ProviderBinding {
  const origin = connection.llmProxy.replace(/\/+$/, '').replace(/\/v1$/, '');
  const fetchOption = connection.fetch ? { fetch: connection.fetch } : {};
  const proxy = createOpenAICompatible({ name: 'kastra', baseURL: `${origin}/v1`, apiKey: connection.token, includeUsage: true, ...fetchOption });
  return {
    model: proxy.chatModel(llm.handle),
    createClient: () =>
      llm.provider === 'anthropic'
        ? new Anthropic({ apiKey: connection.token, baseURL: origin, ...fetchOption })
        : new OpenAI({ apiKey: connection.token, baseURL: `${origin}/v1`, ...fetchOption }),
  };
}
