import type { ListedModel } from '../registry/listed-model';
import type { ResolvedModel } from '../registry/resolved-model';

export type { ListedModel } from '../registry/listed-model';
export type { KeyPool, ModelPrices, PooledKey, ResolvedModel } from '../registry/resolved-model';

/** Injection token of the ModelResolver (backed by the registry's ModelRegistry in the service). */
export const MODEL_RESOLVER = 'KASTRA_LLM_MODEL_RESOLVER';

/** What the call path asks of the model registry. */
export interface ModelResolver {
  /** Throws NotFoundError (from @kastra/api) for an unknown or disabled handle. */
  resolve(handle: string): Promise<ResolvedModel>;
  /** The enabled models clients may call. */
  list(): Promise<ListedModel[]>;
}
