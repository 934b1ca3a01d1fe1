import { NotFoundError } from '@kastra/api';
import { labelMetricsWithModel } from '../src/calls/llm-metrics';
import type { KeyPool, ListedModel, ModelResolver, PooledKey, ResolvedModel } from '../src/calls/model-resolver';

/** A round-robin pool over fixed keys that remembers what the call path did to them. */
export class RecordingKeyPool implements KeyPool {
  readonly invalid = new Map<string, string>();
  private readonly coolingUntil = new Map<string, number>();
  private cursor = 0;

  constructor(private readonly keys: PooledKey[]) {}

  get size(): number {
    return this.keys.length;
  }

  next(): PooledKey | undefined {
    const now = Date.now();
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[(this.cursor + i) % this.keys.length];
      if (this.invalid.has(key.keyId) || (this.coolingUntil.get(key.keyId) ?? 0) > now) continue;
      this.cursor = (this.cursor + i + 1) % this.keys.length;
      return key;
    }
    return undefined;
  }

  async markInvalid(keyId: string, reason: string): Promise<void> {
    this.invalid.set(keyId, reason);
  }

  coolDown(keyId: string, ms: number): void {
    this.coolingUntil.set(keyId, Date.now() + ms);
  }
}

export type TestModel = Omit<ResolvedModel, 'keyPool' | 'options' | 'supportsVision' | 'limits' | 'fallbacks' | 'id'> &
  Partial<Pick<ResolvedModel, 'options' | 'supportsVision' | 'limits' | 'fallbacks' | 'id'>> & { keys?: PooledKey[] };

/**
 * The registry's contract over a fixed set of models, so the call path is tested on its own
 * (the registry has its own tests). Handles are the model names.
 */
export class StaticModelResolver implements ModelResolver {
  readonly models = new Map<string, ResolvedModel & { keyPool: RecordingKeyPool }>();

  constructor(models: TestModel[]) {
    for (const model of models) this.add(model);
  }

  add(model: TestModel): void {
    const { keys, ...rest } = model;
    // As the registry does for its models: their names are metric label values.
    labelMetricsWithModel(model.name);
    this.models.set(model.name, {
      id: model.id ?? model.name,
      options: {},
      supportsVision: false,
      limits: {},
      fallbacks: [],
      ...rest,
      keyPool: new RecordingKeyPool(keys ?? []),
    });
  }

  pool(name: string): RecordingKeyPool {
    return this.models.get(name)!.keyPool;
  }

  async resolve(handle: string): Promise<ResolvedModel> {
    const model = this.models.get(handle);
    if (!model) throw new NotFoundError('llm-models', handle);
    return model;
  }

  async list(): Promise<ListedModel[]> {
    return [...this.models.values()].map((m) => ({ id: m.name, name: m.name, provider: m.provider, modelId: m.modelId, type: 'chat', supportsVision: m.supportsVision, ...(m.prices ? { prices: m.prices } : {}) }));
  }
}
