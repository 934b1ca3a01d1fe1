import Anthropic from '@anthropic-ai/sdk';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import OpenAI, { AzureOpenAI } from 'openai';
import { ANTHROPIC_BASE_URL, GEMINI_BASE_URL, OPENAI_BASE_URL, PROVIDER_DEFAULTS } from '@kastra/llm/provider-table';
import { ModelUnavailableError } from './model-unavailable-error';
import type { LlmManifest } from './llm-manifest';
import { MOCK_PROVIDER_BASE_URL, mockProviderFetch } from './mock-provider-fetch';
import type { ProviderBinding } from './provider-binding';

/** What libs/llm's Azure adapter sends when the LLM names no api-version. */
const AZURE_DEFAULT_API_VERSION = '2024-10-21';
/** Sent where a client needs some key but the provider needs none (an SDK would otherwise read its own environment variable). */
const NO_KEY = 'no-key';

/**
 * The AI SDK model calling the LLM's provider directly with `apiKey` (undefined: none), at
 * spec.options.baseURL or the provider's default endpoint — the endpoints and URL conventions of
 * libs/llm's adapters (Anthropic and Gemini base URLs without their version path).
 */
export function embeddedProviderBinding(llm: LlmManifest, apiKey: string | undefined, fetchImpl: typeof fetch | undefined): ProviderBinding {
  const { provider, spec } = llm;
  const fetchOption = fetchImpl ? { fetch: fetchImpl } : {};
  switch (provider) {
    case 'openai': {
      const baseURL = spec.options?.baseURL ?? OPENAI_BASE_URL;
      // Chat Completions, as llm-proxy and every OpenAI-format endpoint speak it (not the Responses API).
      return {
        model: createOpenAI({ apiKey: apiKey ?? NO_KEY, baseURL, ...fetchOption }).chat(spec.model),
        createClient: () => new OpenAI({ apiKey: apiKey ?? NO_KEY, baseURL, ...fetchOption }),
      };
    }
    case 'anthropic': {
      const baseURL = withoutSuffix(spec.options?.baseURL ?? ANTHROPIC_BASE_URL, '/v1');
      return {
        model: createAnthropic({ apiKey: apiKey ?? NO_KEY, baseURL: `${baseURL}/v1`, ...fetchOption }).languageModel(spec.model),
        createClient: () => new Anthropic({ apiKey: apiKey ?? NO_KEY, baseURL, ...fetchOption }),
      };
    }
    case 'google': {
      const google = createGoogleGenerativeAI({
        apiKey: apiKey ?? NO_KEY,
        baseURL: `${withoutSuffix(spec.options?.baseURL ?? GEMINI_BASE_URL, '/v1beta')}/v1beta`,
        ...fetchOption,
      });
      return { model: google.languageModel(spec.model), createClient: () => google };
    }
    case 'azure': {
      const endpoint = withoutSuffix(requiredBaseURL(llm), '');
      const apiVersion = stringOption(llm, 'apiVersion') ?? AZURE_DEFAULT_API_VERSION;
      const deployment = stringOption(llm, 'deployment') ?? spec.model;
      const azure = createOpenAICompatible({
        name: 'azure',
        baseURL: `${endpoint}/openai/deployments/${encodeURIComponent(deployment)}`,
        queryParams: { 'api-version': apiVersion },
        headers: apiKey ? { 'api-key': apiKey } : {},
        includeUsage: true,
        ...fetchOption,
      });
      return {
        model: azure.chatModel(spec.model),
        createClient: () => new AzureOpenAI({ apiKey: apiKey ?? NO_KEY, endpoint, apiVersion, deployment, ...fetchOption }),
      };
    }
    case 'mock': {
      // Offline: libs/llm's mock provider answers in this process (the caller's fetch is not needed).
      const mockFetch = mockProviderFetch(spec.options ?? {});
      const mock = createOpenAICompatible({ name: 'mock', baseURL: MOCK_PROVIDER_BASE_URL, includeUsage: true, fetch: mockFetch });
      return { model: mock.chatModel(spec.model), createClient: () => new OpenAI({ apiKey: NO_KEY, baseURL: MOCK_PROVIDER_BASE_URL, fetch: mockFetch }) };
    }
    case 'groq':
    case 'qwen':
    case 'kimi':
    case 'ollama':
    case 'openai-compatible': {
      const baseURL = spec.options?.baseURL ?? PROVIDER_DEFAULTS[provider].baseUrl ?? requiredBaseURL(llm);
      const compatible = createOpenAICompatible({ name: provider, baseURL, includeUsage: true, ...(apiKey ? { apiKey } : {}), ...fetchOption });
      return { model: compatible.chatModel(spec.model), createClient: () => new OpenAI({ apiKey: apiKey ?? NO_KEY, baseURL, ...fetchOption }) };
    }
  }
}

function requiredBaseURL(llm: LlmManifest): string {
  const baseURL = llm.spec.options?.baseURL;
  if (baseURL) return baseURL;
  throw new ModelUnavailableError(llm.handle, `provider ${llm.provider} has no default endpoint: set spec.options.baseURL`);
}

function stringOption(llm: LlmManifest, name: string): string | undefined {
  const value = llm.spec.options?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `url` without trailing slashes and without `suffix` at its end. */
function withoutSuffix(url: string, suffix: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return suffix && trimmed.endsWith(suffix) ? trimmed.slice(0, -suffix.length) : trimmed;
}
