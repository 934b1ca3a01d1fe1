import type { Pool } from 'pg';
import type { ListedModel, ModelResolver, ResolvedModel } from './calls/model-resolver';
import type { ModelRegistry } from './registry/model-registry';

/** The enabled models of the registry, for `/v1/models` (read-only, no keys). */
const LIST_MODELS_SQL = `
SELECT model_id, provider, type, context_window, max_tokens, supports_vision
FROM llm_models WHERE status = 'enabled' ORDER BY model_id`;

/** The call path's view of the registry: resolve through ModelRegistry, list from its table. */
export class RegistryModelResolver implements ModelResolver {
  constructor(private readonly registry: ModelRegistry, private readonly pool: Pool) {}

  resolve(handle: string): Promise<ResolvedModel> {
    return this.registry.resolve(handle);
  }

  async list(): Promise<ListedModel[]> {
    const { rows } = await this.pool.query(LIST_MODELS_SQL);
    return rows.map((row) => ({
      id: row.model_id,
      provider: row.provider,
      type: row.type,
      ...(row.context_window !== null ? { contextWindow: row.context_window } : {}),
      ...(row.max_tokens !== null ? { maxTokens: row.max_tokens } : {}),
      supportsVision: row.supports_vision,
    }));
  }
}
