import type { ModelInfo, ProviderAdapter, ProviderKeyNeed } from '@kastra/llm';

/** What the registry needs to know of a provider type it has no row for (the provider table of @kastra/llm). */
export interface ProviderTypeDefaults {
  /** Environment variable holding the provider's key, e.g. OPENAI_API_KEY. */
  envVar?: string;
  /** Whether calls need a key (`required`, `optional`, `none`: see ProviderKeyNeed). */
  apiKey: ProviderKeyNeed;
  baseUrl?: string;
  /** Calls need a base URL and the provider has no default one (azure, openai-compatible). */
  needsBaseUrl: boolean;
}

/**
 * The provider types the registry can resolve and talk to (adapters, defaults, shipped model
 * lists). An injection seam so that the registry does not depend on how adapters are built.
 */
export abstract class ProviderDirectory {
  /** The canonical type of a type or alias (`gemini` → `google`), undefined when unknown. */
  abstract canonical(type: string): string | undefined;
  /** Known and not turned off by configuration. */
  abstract isAvailable(type: string): boolean;
  abstract isKnown(type: string): boolean;
  abstract defaults(type: string): ProviderTypeDefaults | undefined;
  abstract adapter(type: string): ProviderAdapter;
  /** The shipped model list of the provider (the fallback when its API cannot list models). */
  abstract catalogue(type: string): ModelInfo[];
}
