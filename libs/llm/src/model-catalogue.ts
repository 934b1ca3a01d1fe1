import type { ModelInfo, ModelType } from './chat-types';
import type { ProviderAdapter, ProviderCall } from './provider-adapter';
import { ProviderError } from './provider-errors';
import shipped from './model-catalogue.data.json';

interface ShippedModel {
  id: string;
  type?: ModelType;
  displayName?: string;
  contextWindow?: number;
  maxOutputTokens?: number;
  supportsVision?: boolean;
  supportsTools?: boolean;
  /** The day the provider stopped serving it: still described (existing LLMs name it), never offered. */
  retired?: string;
}

const CATALOGUE = shipped as Record<string, ShippedModel[]>;

/** What we ship about a model (context window, max output, vision, tools), if we know it. */
export function catalogueEntry(provider: string, modelId: string): ModelInfo | undefined {
  const models = CATALOGUE[provider] ?? [];
  // Dated snapshots (gpt-4o-2024-08-06) inherit from their family (gpt-4o): longest prefix wins.
  const exact = models.find((m) => m.id === modelId);
  const family = exact ?? models.filter((m) => modelId.startsWith(`${m.id}-`)).sort((a, b) => b.id.length - a.id.length)[0];
  return family ? toModelInfo(provider, { ...family, id: modelId }) : undefined;
}

/**
 * The shipped list for a provider: what listModels falls back to when the API fails. Retired
 * models are left out (the provider would refuse them); catalogueEntry still describes them.
 */
export function shippedModels(provider: string): ModelInfo[] {
  return (CATALOGUE[provider] ?? []).filter((m) => !m.retired).map((m) => toModelInfo(provider, m));
}

export interface ModelListing {
  models: ModelInfo[];
  source: 'api' | 'catalogue';
  /** Why the API listing failed (no key in it), when the shipped list was used. */
  error?: string;
}

export interface ModelFilter {
  type?: ModelType;
  /** Substring of the id, case-insensitive. */
  search?: string;
  supportsVision?: boolean;
  supportsTools?: boolean;
  minContextWindow?: number;
}

/**
 * Lists a provider's models from its API, falling back to the shipped list when the API fails
 * (no key yet, provider down, endpoint missing). A rejected key is reported, not hidden.
 */
export async function listProviderModels(adapter: ProviderAdapter, call: ProviderCall, filter: ModelFilter = {}): Promise<ModelListing> {
  try {
    const models = await adapter.listModels(call);
    return { models: filterModels(models, filter), source: 'api' };
  } catch (error) {
    const message = error instanceof ProviderError ? `${error.kind}: ${error.message}` : 'model listing failed';
    return { models: filterModels(shippedModels(adapter.provider), filter), source: 'catalogue', error: message };
  }
}

export function filterModels(models: ModelInfo[], filter: ModelFilter): ModelInfo[] {
  const search = filter.search?.toLowerCase();
  return models.filter(
    (m) =>
      (filter.type === undefined || m.type === filter.type) &&
      (search === undefined || m.id.toLowerCase().includes(search)) &&
      (filter.supportsVision === undefined || Boolean(m.supportsVision) === filter.supportsVision) &&
      (filter.supportsTools === undefined || Boolean(m.supportsTools) === filter.supportsTools) &&
      (filter.minContextWindow === undefined || (m.contextWindow ?? 0) >= filter.minContextWindow),
  );
}

export interface ModelHandle {
  provider: string;
  model: string;
}

/**
 * Splits `provider/model`. Only the first slash separates: `groq/openai/gpt-oss-20b` is the
 * groq model `openai/gpt-oss-20b`. Returns undefined for a bare model id or an empty part.
 */
export function parseModelHandle(handle: string): ModelHandle | undefined {
  const slash = handle.indexOf('/');
  if (slash <= 0 || slash === handle.length - 1) return undefined;
  return { provider: handle.slice(0, slash), model: handle.slice(slash + 1) };
}

function toModelInfo(provider: string, m: ShippedModel): ModelInfo {
  return {
    id: m.id,
    provider,
    type: m.type ?? 'chat',
    displayName: m.displayName,
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    supportsVision: m.supportsVision ?? false,
    supportsTools: m.supportsTools ?? m.type !== 'embedding',
    source: 'catalogue',
  };
}
