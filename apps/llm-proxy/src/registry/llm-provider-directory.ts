import { Inject, Injectable } from '@nestjs/common';
import {
  createProviderAdapter,
  isProviderDisabled,
  normalizeProviderName,
  PROVIDER_DEFAULTS,
  providerBaseUrl,
  providerNeedsBaseUrl,
  shippedModels,
  type ModelInfo,
  type ProviderAdapter,
} from '@kastra/llm';
import { ProviderDirectory, type ProviderTypeDefaults } from './provider-directory';
import { REGISTRY_ENV } from './registry-tokens';

/**
 * The provider types of @kastra/llm, aliases included (`gemini` → google, `dashscope` → qwen).
 * `KASTRA_DISABLE_<NAME>_PROVIDER=true` turns a type off: its models no longer resolve.
 */
@Injectable()
export class LlmProviderDirectory extends ProviderDirectory {
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(@Inject(REGISTRY_ENV) private readonly env: NodeJS.ProcessEnv) {
    super();
  }

  canonical(type: string): string | undefined {
    return normalizeProviderName(type);
  }

  isKnown(type: string): boolean {
    return normalizeProviderName(type) !== undefined;
  }

  isAvailable(type: string): boolean {
    const name = normalizeProviderName(type);
    return name !== undefined && !isProviderDisabled(name, this.env);
  }

  defaults(type: string): ProviderTypeDefaults | undefined {
    const name = normalizeProviderName(type);
    if (!name) return undefined;
    const entry = PROVIDER_DEFAULTS[name];
    return {
      apiKey: entry.apiKey,
      needsBaseUrl: providerNeedsBaseUrl(name),
      ...(entry.apiKeyEnv ? { envVar: entry.apiKeyEnv } : {}),
      ...(providerBaseUrl(name, this.env) ? { baseUrl: providerBaseUrl(name, this.env) } : {}),
    };
  }

  adapter(type: string): ProviderAdapter {
    const name = normalizeProviderName(type) ?? type;
    let adapter = this.adapters.get(name);
    if (!adapter) {
      adapter = createProviderAdapter(name);
      this.adapters.set(name, adapter);
    }
    return adapter;
  }

  catalogue(type: string): ModelInfo[] {
    return shippedModels(normalizeProviderName(type) ?? type);
  }
}
