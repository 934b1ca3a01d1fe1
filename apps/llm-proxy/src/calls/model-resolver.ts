import type { ResolvedModel } from '../registry/resolved-model';

export type { KeyPool, ModelPrices, PooledKey, ResolvedModel } from '../registry/resolved-model';

/** A model as `/v1/models` lists it. */
export interface ListedModel {
  /** The handle clients send as `model`. */
  id: string;
  provider: string;
  type: string;
  contextWindow?: number;
  maxTokens?: number;
  supportsVision?: boolean;
  ownedBy?: string;
}

/** Injection token of the ModelResolver (backed by the registry's ModelRegistry in the service). */
export const MODEL_RESOLVER = 'KASTRA_LLM_MODEL_RESOLVER';

/** What the call path asks of the model registry. */
export interface ModelResolver {
  /** Throws NotFoundError (from @kastra/api) for an unknown or disabled handle. */
  resolve(handle: string): Promise<ResolvedModel>;
  /** The enabled models clients may call. */
  list(): Promise<ListedModel[]>;
}
