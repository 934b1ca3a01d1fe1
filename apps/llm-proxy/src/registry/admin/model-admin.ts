import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError, type FieldCause } from '@kastra/api';
import type { SecretCipher } from '@kastra/secrets';
import { LlmModelEntity, LlmModelKeyEntity, LlmProviderEntity } from '../entities';
import { keyHint } from '../key-hint';
import { ModelRegistry } from '../model-registry';
import { ProviderDirectory } from '../provider-directory';
import { RegistryChangeBus } from '../registry-change-bus';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE } from '../registry-tokens';
import { findPage, type PageRequest } from './list-page';
import type { ApiKeyBody, ModelBody } from './model-body';
import { modelView } from './model-view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ModelFilters {
  provider?: string;
  type?: string;
  status?: string;
}

/** CRUD of `llm_models` for the admin API; every write tells the registry (all replicas). */
@Injectable()
export class ModelAdmin {
  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    private readonly providers: ProviderDirectory,
    private readonly registry: ModelRegistry,
    private readonly changes: RegistryChangeBus,
  ) {}

  /** One page of the rows the filters match, in id order (list-page.ts); `total` counts them all. */
  async list(filters: ModelFilters, page: PageRequest) {
    const where: FindOptionsWhere<LlmModelEntity> = {};
    if (filters.provider) where.provider = filters.provider;
    if (filters.type) where.type = filters.type;
    if (filters.status) where.status = filters.status;
    return findPage(this.dataSource.getRepository(LlmModelEntity), { idKey: 'id', page, where, relations: { keys: true }, view: modelView });
  }

  async get(idOrModelId: string) {
    return modelView(await this.find(this.dataSource.manager, idOrModelId));
  }

  async create(body: ModelBody) {
    await this.checkProvider(body.provider);
    const saved = await this.dataSource.transaction(async (manager) => {
      const models = manager.getRepository(LlmModelEntity);
      if (await models.existsBy({ modelId: body.model_id })) throw new AlreadyExistsError('llm-models', body.model_id);
      const row = models.create({ source: 'admin', fallbacks: [], options: {} });
      applyBody(row, body);
      const model = await models.save(row);
      await this.applyKeys(manager, model.id, body.api_keys ?? []);
      return this.find(manager, model.id);
    });
    this.changes.changed('models');
    return modelView(saved);
  }

  /**
   * Changes the fields sent. `api_keys` with `replaceKeys` (PUT) is the whole key list — `{id}`
   * entries keep (and may change) a key, `{key}` entries add one, every other key is removed;
   * without it (PATCH) entries only add and change keys.
   */
  async update(idOrModelId: string, body: Partial<ModelBody>, options: { replaceKeys?: boolean } = {}) {
    if (body.provider !== undefined) await this.checkProvider(body.provider);
    const saved = await this.dataSource.transaction(async (manager) => {
      const row = await this.find(manager, idOrModelId);
      this.checkAdminOwned(row);
      const models = manager.getRepository(LlmModelEntity);
      if (body.model_id !== undefined && body.model_id !== row.modelId && (await models.existsBy({ modelId: body.model_id }))) {
        throw new AlreadyExistsError('llm-models', body.model_id);
      }
      applyBody(row, body);
      delete row.keys;
      await models.save(row);
      if (body.api_keys && options.replaceKeys) await this.removeKeysNotIn(manager, row.id, body.api_keys);
      if (body.api_keys) await this.applyKeys(manager, row.id, body.api_keys);
      return this.find(manager, row.id);
    });
    this.changes.changed('models');
    return modelView(saved);
  }

  async remove(idOrModelId: string) {
    const row = await this.find(this.dataSource.manager, idOrModelId);
    this.checkAdminOwned(row);
    await this.dataSource.getRepository(LlmModelEntity).delete(row.id);
    this.changes.changed('models');
    return { id: row.id, model_id: row.modelId, deleted: true };
  }

  /** Checks the model's next usable key against the provider; a rejected key is marked invalid. */
  async test(idOrModelId: string) {
    const row = await this.find(this.dataSource.manager, idOrModelId);
    const started = Date.now();
    const model = await this.registry.resolve(row.modelId);
    const key = model.keyPool.next();
    if (model.noKeyReason || (model.keyPool.size > 0 && !key)) {
      return { ok: false, model_id: row.modelId, error: { type: 'no_key', message: model.noKeyReason ?? 'no enabled, valid key' } };
    }
    const result = await this.providers.adapter(model.provider).checkApiKey({
      ...(key ? { apiKey: key.apiKey } : {}),
      ...(model.baseUrl ? { baseUrl: model.baseUrl } : {}),
      ...(model.apiVersion ? { apiVersion: model.apiVersion } : {}),
      ...(model.deployment ? { deployment: model.deployment } : {}),
      options: model.options,
      signal: AbortSignal.timeout(15_000),
      timeoutMs: 15_000,
    });
    const latency_ms = Date.now() - started;
    if (result === true) return { ok: true, model_id: row.modelId, key_id: key?.keyId ?? null, latency_ms };
    if (result === false) {
      if (key) await model.keyPool.markInvalid(key.keyId, 'rejected by the provider during a connection test');
      return { ok: false, model_id: row.modelId, key_id: key?.keyId ?? null, latency_ms, error: { type: 'auth', message: 'the provider rejected the key' } };
    }
    return { ok: false, model_id: row.modelId, key_id: key?.keyId ?? null, latency_ms, error: { type: result.kind, message: result.message } };
  }

  private async find(manager: EntityManager, idOrModelId: string): Promise<LlmModelEntity> {
    const where = UUID.test(idOrModelId) ? [{ id: idOrModelId }, { modelId: idOrModelId }] : { modelId: idOrModelId };
    const row = await manager.getRepository(LlmModelEntity).findOne({ where, relations: { keys: true } });
    if (!row) throw new NotFoundError('llm-models', idOrModelId, `model "${idOrModelId}" not found`);
    return row;
  }

  private checkAdminOwned(row: LlmModelEntity): void {
    if (row.source === 'resource') {
      throw new ConflictError('llm-models', row.modelId, `it mirrors the LLM resource ${row.resourceRef}; change the resource instead`);
    }
  }

  /** `provider` names a provider type or a registered provider. */
  private async checkProvider(provider: string): Promise<void> {
    if (this.providers.isKnown(provider)) return;
    if (await this.dataSource.getRepository(LlmProviderEntity).existsBy({ name: provider })) return;
    throw new InvalidError('llm-models', '', [
      { reason: 'FieldValueNotSupported', field: 'provider', message: `"${provider}" is neither a provider type nor a registered provider` },
    ]);
  }

  /** Deletes the model's keys that no `{id}` entry names (an unknown id is refused by applyKeys, rolling this back). */
  private async removeKeysNotIn(manager: EntityManager, modelId: string, entries: ApiKeyBody[]): Promise<void> {
    const kept = new Set(entries.flatMap((entry) => (entry.id !== undefined && entry.key === undefined ? [entry.id] : [])));
    const keys = manager.getRepository(LlmModelKeyEntity);
    const gone = (await keys.findBy({ modelId })).filter((key) => !kept.has(key.id));
    if (gone.length > 0) await keys.delete(gone.map((key) => key.id));
  }

  /** `{key, status}` adds a key (encrypted), `{id, status}` changes the status of one. */
  private async applyKeys(manager: EntityManager, modelId: string, entries: ApiKeyBody[]): Promise<void> {
    const keys = manager.getRepository(LlmModelKeyEntity);
    const existing = await keys.findBy({ modelId });
    let position = existing.reduce((max, k) => Math.max(max, k.position + 1), 0);
    const causes: FieldCause[] = [];
    for (const [index, entry] of entries.entries()) {
      if (entry.key !== undefined) {
        await keys.insert({
          modelId,
          keyCiphertext: this.cipher.encrypt(entry.key.trim()),
          keyHint: keyHint(entry.key),
          status: entry.status ?? 'enabled',
          position: position++,
        });
      } else if (entry.id !== undefined && existing.some((k) => k.id === entry.id)) {
        if (entry.status) await keys.update(entry.id, { status: entry.status, invalidReason: null });
      } else {
        causes.push({ reason: 'FieldValueInvalid', field: `api_keys[${index}].id`, message: 'is not a key of this model; give key to add one' });
      }
    }
    if (causes.length > 0) throw new InvalidError('llm-models', modelId, causes);
  }
}

/** Copies the fields present in `body` onto the row (snake_case → columns). */
function applyBody(row: LlmModelEntity, body: Partial<ModelBody>): void {
  const set = <K extends keyof LlmModelEntity>(column: K, value: LlmModelEntity[K] | undefined) => {
    if (value !== undefined) row[column] = value;
  };
  set('name', body.name);
  set('modelId', body.model_id);
  set('upstreamModel', body.upstream_model);
  set('provider', body.provider);
  set('type', body.type);
  set('description', body.description);
  set('status', body.status);
  set('baseUrl', body.base_url);
  set('apiVersion', body.api_version);
  set('deployment', body.deployment);
  set('authType', body.auth_type);
  set('keyUsageMode', body.key_usage_mode);
  set('supportsVision', body.supports_vision);
  set('maxTokens', body.max_tokens);
  set('contextWindow', body.context_window);
  set('inputPrice', body.input_price);
  set('outputPrice', body.output_price);
  set('cacheReadPrice', body.cache_read_price);
  set('cacheWritePrice', body.cache_write_price);
  set('rpmLimit', body.rpm_limit);
  set('tpmLimit', body.tpm_limit);
  set('fallbacks', body.fallbacks);
  set('options', body.options);
}
