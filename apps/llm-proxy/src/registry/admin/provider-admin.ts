import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AlreadyExistsError, InvalidError, NotFoundError } from '@kastra/api';
import { listProviderModels, type ProviderCall } from '@kastra/llm';
import type { SecretCipher } from '@kastra/secrets';
import { LlmModelEntity, LlmProviderEntity } from '../entities';
import { keyHint } from '../key-hint';
import { ProviderDirectory } from '../provider-directory';
import { RegistryChangeBus } from '../registry-change-bus';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE, REGISTRY_ENV } from '../registry-tokens';
import { findPage, type PageRequest } from './list-page';
import type { ProviderBody } from './model-body';
import { providerView } from './model-view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHECK_TIMEOUT_MS = 15_000;

/** CRUD of `llm_providers`, connection tests and model sync for the admin API. */
@Injectable()
export class ProviderAdmin {
  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    @Inject(REGISTRY_ENV) private readonly env: NodeJS.ProcessEnv,
    private readonly providers: ProviderDirectory,
    private readonly changes: RegistryChangeBus,
  ) {}

  /** One page of the rows of that type (or all), in id order (list-page.ts); `total` counts them all. */
  async list(filters: { type?: string }, page: PageRequest) {
    const where = filters.type ? { type: filters.type } : {};
    return findPage(this.dataSource.getRepository(LlmProviderEntity), { idKey: 'id', page, where, view: providerView });
  }

  async get(idOrName: string) {
    return providerView(await this.find(idOrName));
  }

  async create(body: ProviderBody) {
    this.checkType(body.type);
    const repo = this.dataSource.getRepository(LlmProviderEntity);
    if (await repo.existsBy({ name: body.name })) throw new AlreadyExistsError('llm-providers', body.name);
    const row = repo.create({ config: {}, enabled: true, baseUrl: null, apiVersion: null, apiKeyCiphertext: null, apiKeyHint: null });
    this.applyBody(row, body);
    const saved = await repo.save(row);
    this.changes.changed('models');
    return providerView(saved);
  }

  async update(idOrName: string, body: Partial<ProviderBody>) {
    if (body.type !== undefined) this.checkType(body.type);
    const repo = this.dataSource.getRepository(LlmProviderEntity);
    const row = await this.find(idOrName);
    if (body.name !== undefined && body.name !== row.name && (await repo.existsBy({ name: body.name }))) {
      throw new AlreadyExistsError('llm-providers', body.name);
    }
    this.applyBody(row, body);
    const saved = await repo.save(row);
    this.changes.changed('models');
    return providerView(saved);
  }

  async remove(idOrName: string) {
    const row = await this.find(idOrName);
    await this.dataSource.getRepository(LlmProviderEntity).delete(row.id);
    this.changes.changed('models');
    return { id: row.id, name: row.name, deleted: true };
  }

  /** Checks the provider's key (check_api_key) and lists its models. */
  async test(idOrName: string) {
    const row = await this.find(idOrName);
    const call = this.callOf(row);
    const adapter = this.providers.adapter(row.type);
    const started = Date.now();
    const check = await adapter.checkApiKey(call);
    const listing = await listProviderModels(adapter, this.callOf(row));
    const base = { provider: row.name, latency_ms: Date.now() - started, models: listing.models.length, models_source: listing.source };
    if (check === true) return { ok: true, ...base };
    if (check === false) return { ok: false, ...base, error: { type: 'auth', message: 'the provider rejected the key' } };
    return { ok: false, ...base, error: { type: check.kind, message: check.message } };
  }

  /**
   * Lists the provider's models (its API, else the shipped catalogue) and upserts them: new ones
   * are added enabled and unpriced; known ones get the listed context window, max output and
   * vision flag, keeping what an admin set. A model_id held by another provider is skipped.
   */
  async syncModels(idOrName: string) {
    const row = await this.find(idOrName);
    const listing = await listProviderModels(this.providers.adapter(row.type), this.callOf(row));
    const models = this.dataSource.getRepository(LlmModelEntity);
    const created: string[] = [];
    const updated: string[] = [];
    const skipped: string[] = [];
    for (const info of listing.models) {
      const existing = await models.findOneBy({ modelId: info.id });
      if (existing && (existing.provider !== row.name || existing.source !== 'admin')) {
        skipped.push(info.id);
        continue;
      }
      const target = existing ?? models.create({ modelId: info.id, provider: row.name, source: 'admin', status: 'enabled', fallbacks: [], options: {} });
      target.name = existing?.name ?? info.displayName ?? info.id;
      target.type = info.type ?? target.type ?? 'chat';
      if (info.contextWindow) target.contextWindow = info.contextWindow;
      if (info.maxOutputTokens) target.maxTokens = info.maxOutputTokens;
      if (info.supportsVision !== undefined) target.supportsVision = info.supportsVision;
      await models.save(target);
      (existing ? updated : created).push(info.id);
    }
    this.changes.changed('models');
    return { provider: row.name, source: listing.source, ...(listing.error ? { error: listing.error } : {}), created, updated, skipped };
  }

  private callOf(row: LlmProviderEntity): ProviderCall {
    const defaults = this.providers.defaults(row.type);
    const envKey = defaults?.envVar ? this.env[defaults.envVar] : undefined;
    const apiKey = row.apiKeyCiphertext ? this.cipher.decrypt(row.apiKeyCiphertext) : envKey;
    const baseUrl = row.baseUrl ?? defaults?.baseUrl;
    return {
      ...(apiKey ? { apiKey } : {}),
      ...(baseUrl ? { baseUrl } : {}),
      ...(row.apiVersion ? { apiVersion: row.apiVersion } : {}),
      options: row.config,
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      timeoutMs: CHECK_TIMEOUT_MS,
    };
  }

  private async find(idOrName: string): Promise<LlmProviderEntity> {
    const repo = this.dataSource.getRepository(LlmProviderEntity);
    const row = UUID.test(idOrName) ? await repo.findOneBy([{ id: idOrName }, { name: idOrName }]) : await repo.findOneBy({ name: idOrName });
    if (!row) throw new NotFoundError('llm-providers', idOrName, `provider "${idOrName}" not found`);
    return row;
  }

  private checkType(type: string): void {
    if (!this.providers.isKnown(type)) {
      throw new InvalidError('llm-providers', '', [{ reason: 'FieldValueNotSupported', field: 'type', message: `"${type}" is not a provider type` }]);
    }
  }

  private applyBody(row: LlmProviderEntity, body: Partial<ProviderBody>): void {
    if (body.name !== undefined) row.name = body.name;
    if (body.type !== undefined) row.type = body.type;
    if (body.base_url !== undefined) row.baseUrl = body.base_url;
    if (body.api_version !== undefined) row.apiVersion = body.api_version;
    if (body.enabled !== undefined) row.enabled = body.enabled;
    if (body.config !== undefined) row.config = body.config;
    if (body.api_key === null) {
      row.apiKeyCiphertext = null;
      row.apiKeyHint = null;
    } else if (body.api_key !== undefined) {
      row.apiKeyCiphertext = this.cipher.encrypt(body.api_key.trim());
      row.apiKeyHint = keyHint(body.api_key);
    }
  }
}
