import type { LlmModelEntity, LlmModelKeyEntity, LlmProviderEntity } from '../entities';

/** A key as the admin API shows it: never the key, only its hint. */
export interface KeyView {
  id: string;
  hint: string;
  status: string;
  invalid_reason: string | null;
  last_used_at: string | null;
  created_at: string;
}

export function keyView(key: LlmModelKeyEntity): KeyView {
  return {
    id: key.id,
    hint: key.keyHint,
    status: key.status,
    invalid_reason: key.invalidReason,
    last_used_at: key.lastUsedAt ? key.lastUsedAt.toISOString() : null,
    created_at: key.createdAt.toISOString(),
  };
}

/** A model in the admin API's snake_case shape, keys as hints. */
export function modelView(model: LlmModelEntity) {
  const keys = [...(model.keys ?? [])].sort((a, b) => a.position - b.position);
  return {
    id: model.id,
    name: model.name,
    model_id: model.modelId,
    upstream_model: model.upstreamModel,
    provider: model.provider,
    type: model.type,
    description: model.description,
    status: model.status,
    base_url: model.baseUrl,
    api_version: model.apiVersion,
    deployment: model.deployment,
    auth_type: model.authType,
    key_usage_mode: model.keyUsageMode,
    api_keys: keys.map(keyView),
    supports_vision: model.supportsVision,
    max_tokens: model.maxTokens,
    context_window: model.contextWindow,
    input_price: model.inputPrice,
    output_price: model.outputPrice,
    cache_read_price: model.cacheReadPrice,
    cache_write_price: model.cacheWritePrice,
    rpm_limit: model.rpmLimit,
    tpm_limit: model.tpmLimit,
    fallbacks: model.fallbacks,
    source: model.source,
    resource_ref: model.resourceRef,
    options: model.options,
    created_at: model.createdAt.toISOString(),
    updated_at: model.updatedAt.toISOString(),
  };
}

export function providerView(provider: LlmProviderEntity) {
  return {
    id: provider.id,
    name: provider.name,
    type: provider.type,
    base_url: provider.baseUrl,
    api_version: provider.apiVersion,
    enabled: provider.enabled,
    config: provider.config,
    has_api_key: provider.apiKeyCiphertext !== null,
    api_key_hint: provider.apiKeyHint,
    created_at: provider.createdAt.toISOString(),
    updated_at: provider.updatedAt.toISOString(),
  };
}
