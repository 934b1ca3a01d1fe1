import { LlmModelKeyEntity } from './llm-model-key.entity';
import { LlmModelEntity } from './llm-model.entity';
import { LlmProviderEntity } from './llm-provider.entity';
import { LlmUserLimitEntity } from './llm-user-limit.entity';

export { LlmModelKeyEntity, LlmModelEntity, LlmProviderEntity, LlmUserLimitEntity };

/** Every entity of the registry's data source. */
export const REGISTRY_ENTITIES = [LlmProviderEntity, LlmModelEntity, LlmModelKeyEntity, LlmUserLimitEntity];
