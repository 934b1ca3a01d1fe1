import type { ModelPrices } from './resolved-model';

/** A model as callers see it in `/v1/models`, `/api/v1/llm/models` and `<prefix>.llm.models`. */
export interface ListedModel {
  /** The handle clients send as `model` (a registry model_id or an LLM resource's `namespace.name`). */
  id: string;
  /** Display name (the registry always sets it). */
  name?: string;
  /** Provider type: openai, anthropic, ..., mock. */
  provider: string;
  /** The model as the provider knows it. */
  modelId?: string;
  type: string;
  contextWindow?: number;
  maxTokens?: number;
  supportsVision?: boolean;
  /**
   * USD per million tokens: the model's own prices, else the shipped price table's for
   * (provider, modelId) — what calls are billed at. Absent = unpriced (never reported as $0).
   */
  prices?: ModelPrices;
  /** Where `prices` come from. */
  pricesSource?: 'model' | 'price-table';
  ownedBy?: string;
}
