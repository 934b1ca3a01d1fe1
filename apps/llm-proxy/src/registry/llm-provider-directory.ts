import { Inject, Injectable } from '@nestjs/common';
import { LLM_PROVIDERS } from '@kastra/api';
import { createProviderAdapter, PROVIDER_DEFAULTS, shippedModels, type ModelInfo, type ProviderAdapter } from '@kastra/llm';
import { ProviderDirectory, type ProviderTypeDefaults } from './provider-directory';
import { REGISTRY_ENV } from './registry-tokens';

/** Providers called without a key. */
const KEYLESS = new Set(['mock', 'ollama']);

/**
 * The provider types of @kastra/llm. `KASTRA_LLM_DISABLED_PROVIDERS` (comma list, e.g.
 * `groq,kimi`) turns types off: their models no longer resolve.
 */
@Injectable()
export class LlmProviderDirectory extends ProviderDirectory {
  private readonly disabled: Set<string>;
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(@Inject(REGISTRY_ENV) env: NodeJS.ProcessEnv) {
    super();
    this.disabled = new Set(
      (env.KASTRA_LLM_DISABLED_PROVIDERS ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    );
  }

  isKnown(type: string): boolean {
    return (LLM_PROVIDERS as readonly string[]).includes(type);
  }

  isAvailable(type: string): boolean {
    return this.isKnown(type) && !this.disabled.has(type);
  }

  defaults(type: string): ProviderTypeDefaults | undefined {
    if (!this.isKnown(type)) return undefined;
    const entry = (PROVIDER_DEFAULTS as Record<string, { envVar?: string; baseUrl?: string } | undefined>)[type];
    return { needsKey: !KEYLESS.has(type), ...(entry?.envVar ? { envVar: entry.envVar } : {}), ...(entry?.baseUrl ? { baseUrl: entry.baseUrl } : {}) };
  }

  adapter(type: string): ProviderAdapter {
    let adapter = this.adapters.get(type);
    if (!adapter) {
      adapter = createProviderAdapter(type);
      this.adapters.set(type, adapter);
    }
    return adapter;
  }

  catalogue(type: string): ModelInfo[] {
    return shippedModels(type);
  }
}
