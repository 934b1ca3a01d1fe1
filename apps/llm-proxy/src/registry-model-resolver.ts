import type { ListedModel, ModelResolver, ResolvedModel } from './calls/model-resolver';
import type { ModelRegistry } from './registry/model-registry';

/** The call path's view of the registry: resolve and list through ModelRegistry. */
export class RegistryModelResolver implements ModelResolver {
  constructor(private readonly registry: ModelRegistry) {}

  resolve(handle: string): Promise<ResolvedModel> {
    return this.registry.resolve(handle);
  }

  list(): Promise<ListedModel[]> {
    return this.registry.list();
  }
}
