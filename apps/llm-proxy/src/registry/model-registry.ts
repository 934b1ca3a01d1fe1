import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NotFoundError } from '@kastra/api';
import type { SecretCipher } from '@kastra/secrets';
import { EgressPolicy } from '@kastra/egress';
import { catalogueEntry, judgeModelKeys, type ProviderName, shippedModels } from '@kastra/llm';
import { createLogger } from '@kastra/telemetry';
import { labelMetricsWithModel } from '../calls/llm-metrics';
import { LlmModelEntity, LlmModelKeyEntity, LlmProviderEntity } from './entities';
import { LlmResourceSync } from './llm-resource-sync';
import { ModelKeyPool, type KeyPoolState, type PoolEntry } from './model-key-pool';
import { type ModelKeyRow, modelKeyState, noDefaultKeyReason } from './model-key-state';
import { ProviderDirectory } from './provider-directory';
import { RefreshingCache } from './refreshing-cache';
import { RegistryChangeBus } from './registry-change-bus';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE, REGISTRY_ENV } from './registry-tokens';
import type { ListedModel } from './listed-model';
import type { ModelPrices, ResolvedModel } from './resolved-model';
import { tablePrices } from './table-prices';

const logger = createLogger('llm-proxy').child({ component: 'model-registry' });

/** How long a resolution is reused before the rows are read again. @default 5000 ms */
const DEFAULT_CACHE_MS = 5000;

/**
 * KASTRA_LLM_REGISTRY_CACHE_MS: how long the registry's readers (model resolutions, users'
 * limits) reuse what they read; unset, empty or not a non-negative number: 5000 ms.
 */
export function registryCacheMs(env: NodeJS.ProcessEnv): number {
  const raw = env.KASTRA_LLM_REGISTRY_CACHE_MS;
  const configured = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(configured) && configured >= 0 ? configured : DEFAULT_CACHE_MS;
}
/** last_used_at is written at most this often per key (a write per call would cost latency). */
const LAST_USED_WRITE_INTERVAL_MS = 30_000;
/** Shared keys (provider row, environment) cannot be marked invalid in a row: skip them this long. */
const SHARED_KEY_INVALID_COOL_DOWN_MS = 5 * 60_000;

/**
 * Turns a handle into a callable model: a registry `model_id` (`gpt-4-turbo`, or an LLM
 * resource's `namespace.name`), or `provider/model` (a registry row of that provider and model
 * that has a usable key, else the provider's defaults with its key from the environment).
 * Resolutions are cached for a few seconds and dropped on every registry change, here and on the
 * other replicas. A model that exists but has no usable key resolves with `noKeyReason`.
 */
@Injectable()
export class ModelRegistry {
  private readonly cache: RefreshingCache<ResolvedModel>;
  private readonly poolStates = new Map<string, KeyPoolState>();
  /** Shared by all pools of this process: a key cooling down is skipped by every model using it. */
  private readonly coolingUntil = new Map<string, number>();
  private readonly lastUseWrites = new Map<string, number>();

  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    @Inject(REGISTRY_ENV) private readonly env: NodeJS.ProcessEnv,
    private readonly providers: ProviderDirectory,
    private readonly changes: RegistryChangeBus,
    @Optional() private readonly resources?: LlmResourceSync,
  ) {
    this.cache = new RefreshingCache((handle) => this.load(handle), {
      ttlMs: registryCacheMs(env),
      onLoadError: (handle, error, previous) => {
        // Gone or disabled: forget it (callers get the 404). Postgres away: keep calling the model.
        if (error instanceof NotFoundError || !previous) throw error;
        logger.warn({ model: handle, reason: (error as Error).message }, 'could not read a model again; its previous resolution is kept');
        return previous.value;
      },
    });
    changes.onChange('models', () => this.cache.clear());
  }

  /**
   * @throws NotFoundError when no model answers to `handle` (or it, or its provider, is disabled).
   * A model without a usable key resolves, with `noKeyReason` set (calls are refused with it).
   */
  async resolve(handle: string): Promise<ResolvedModel> {
    const key = typeof handle === 'string' ? handle.trim() : '';
    if (key === '') throw modelNotFound(String(handle), 'a model handle is required');
    return this.cache.get(key);
  }

  /**
   * The models callers may use now: enabled rows (admin and LLM resources) whose provider is
   * enabled and available and that have a usable key or need none (the rule calls are refused
   * by), with what they are billed at — the model's prices, else the price table's. Context
   * window and vision fall back to the shipped catalogue. Never keys.
   */
  async list(): Promise<ListedModel[]> {
    const rows = await this.dataSource.getRepository(LlmModelEntity).find({ where: { status: 'enabled' }, relations: { keys: true }, order: { modelId: 'ASC' } });
    const providerRows = new Map((await this.dataSource.getRepository(LlmProviderEntity).find()).map((p) => [p.name, p]));
    const listed: ListedModel[] = [];
    for (const row of rows) {
      const providerRow = providerRows.get(row.provider);
      const declared = providerRow?.type ?? row.provider;
      const type = this.providers.canonical(declared) ?? declared;
      if ((providerRow && !providerRow.enabled) || !this.providers.isAvailable(type)) continue;
      if (this.keyStateOf(row.modelId, row, type, providerRow ?? null).noKeyReason) continue;
      const upstream = row.upstreamModel ?? row.modelId;
      const own = pricesOf(row);
      const prices = own ?? tablePrices(type, upstream);
      const shipped = catalogueEntry(type, upstream);
      const contextWindow = row.contextWindow ?? shipped?.contextWindow;
      const maxTokens = row.maxTokens ?? shipped?.maxOutputTokens;
      listed.push({
        id: row.modelId,
        name: row.name,
        provider: type,
        modelId: upstream,
        type: row.type,
        ...optional('contextWindow', contextWindow),
        ...optional('maxTokens', maxTokens),
        supportsVision: row.supportsVision,
        ...(prices ? { prices, pricesSource: own ? ('model' as const) : ('price-table' as const) } : {}),
      });
    }
    return listed;
  }

  /** Drops every cached resolution of this process (writers call RegistryChangeBus.changed()). */
  invalidate(): void {
    this.cache.clear();
  }

  private async load(handle: string): Promise<ResolvedModel> {
    const models = this.dataSource.getRepository(LlmModelEntity);
    let row = await models.findOne({ where: { modelId: handle }, relations: { keys: true } });
    const slash = handle.indexOf('/');
    if (!row && slash > 0) return this.fromProviderModel(handle, handle.slice(0, slash), handle.slice(slash + 1));
    if (!row && this.resources && slash < 0) {
      // An LLM resource applied a moment ago may not have reached the registry yet.
      const synced = await this.resources.syncHandle(handle);
      if (synced) row = await models.findOne({ where: { modelId: synced }, relations: { keys: true } });
    }
    if (!row) throw modelNotFound(handle);
    return this.fromRow(handle, row);
  }

  private async fromRow(handle: string, row: LlmModelEntity): Promise<ResolvedModel> {
    if (row.status !== 'enabled') throw modelNotFound(handle, `model "${handle}" is ${row.status}`);
    const providerRow = await this.dataSource.getRepository(LlmProviderEntity).findOneBy({ name: row.provider });
    const declared = providerRow?.type ?? row.provider;
    const type = this.providers.canonical(declared) ?? declared;
    if (providerRow && !providerRow.enabled) throw modelNotFound(handle, `provider "${row.provider}" of model "${handle}" is disabled`);
    if (!this.providers.isAvailable(type)) throw modelNotFound(handle, `provider "${type}" of model "${handle}" is not available`);
    const baseUrl = row.baseUrl ?? providerRow?.baseUrl ?? this.providers.defaults(type)?.baseUrl ?? undefined;
    const keys = this.keyStateOf(handle, row, type, providerRow);
    // A base URL an LLM resource chose is called through the egress policy; an admin's is not.
    const egress =
      row.source === 'resource' && row.baseUrl
        ? { policy: EgressPolicy.fromEnv(this.env), privateAllowed: (await this.resources?.privateEgressAllowed(row.resourceRef ?? row.modelId, row.baseUrl)) ?? false }
        : undefined;
    labelMetricsWithModel(row.name);
    return {
      id: row.id,
      name: row.name,
      provider: type,
      modelId: row.upstreamModel ?? row.modelId,
      ...(baseUrl ? { baseUrl } : {}),
      ...(egress ? { egress } : {}),
      ...optional('apiVersion', row.apiVersion ?? providerRow?.apiVersion),
      ...optional('deployment', row.deployment),
      options: { ...(providerRow?.config ?? {}), ...row.options },
      supportsVision: row.supportsVision,
      ...optional('maxTokens', row.maxTokens),
      ...optional('contextWindow', row.contextWindow),
      ...optional('prices', pricesOf(row)),
      limits: { ...optional('rpm', row.rpmLimit), ...optional('tpm', row.tpmLimit) },
      fallbacks: [...row.fallbacks],
      keyPool: this.pool(row.id, keys.entries, keys.shared ? 'single' : row.keyUsageMode),
      ...optional('noKeyReason', keys.noKeyReason),
    };
  }

  /**
   * `provider/model`: the first registry row of that provider and model (model_id, else upstream
   * model) that can be called, else the provider's defaults; when neither can, the row's reason
   * (it names its keys) or the defaults'. A row an admin disabled keeps the handle from resolving.
   */
  private async fromProviderModel(handle: string, provider: string, model: string): Promise<ResolvedModel> {
    const rows = await this.dataSource.getRepository(LlmModelEntity).find({
      where: [{ provider, modelId: model }, { provider, upstreamModel: model }],
      relations: { keys: true },
      order: { modelId: 'ASC' },
    });
    const withoutKey: ResolvedModel[] = [];
    for (const row of rows.filter((candidate) => candidate.status === 'enabled')) {
      const resolved = await this.fromRow(handle, row).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (resolved && !resolved.noKeyReason) return resolved;
      if (resolved) withoutKey.push(resolved);
    }
    const disabled = rows.find((candidate) => candidate.status !== 'enabled');
    if (disabled) return this.fromRow(handle, disabled);
    const defaults = await this.fromProviderDefaults(handle, provider, model).catch((error: unknown) => {
      if (error instanceof NotFoundError && withoutKey.length > 0) return undefined;
      throw error;
    });
    return defaults && (!defaults.noKeyReason || withoutKey.length === 0) ? defaults : withoutKey[0];
  }

  /** The keys of a row as the pool gets them, and why it cannot be called if it cannot (model-key-state.ts). */
  private keyStateOf(handle: string, row: LlmModelEntity, type: string, providerRow: LlmProviderEntity | null) {
    const keys: ModelKeyRow[] = [...(row.keys ?? [])]
      .sort((a, b) => a.position - b.position || a.createdAt.getTime() - b.createdAt.getTime())
      .map((key) => {
        const apiKey = this.tryDecrypt(key.keyCiphertext, key.id);
        const entry: PoolEntry = { keyId: key.id, apiKey: apiKey ?? '', status: apiKey === undefined ? 'invalid' : key.status };
        return { entry, undecryptable: apiKey === undefined, invalidReason: key.invalidReason };
      });
    return modelKeyState({
      handle,
      // Only known, available provider types get here (callers checked isAvailable).
      provider: type as ProviderName,
      need: this.providers.defaults(type)?.apiKey ?? 'required',
      authType: row.authType,
      keys,
      sharedKey: () => this.sharedKey(type, providerRow),
    });
  }

  private async fromProviderDefaults(handle: string, provider: string, model: string): Promise<ResolvedModel> {
    const providerRow = await this.dataSource.getRepository(LlmProviderEntity).findOneBy({ name: provider });
    const declared = providerRow?.type ?? provider;
    const type = this.providers.canonical(declared) ?? declared;
    if (!this.providers.isKnown(type)) throw modelNotFound(handle, `"${provider}" is neither a provider type nor a registered provider`);
    if ((providerRow && !providerRow.enabled) || !this.providers.isAvailable(type)) {
      throw modelNotFound(handle, `provider "${provider}" is disabled`);
    }
    const defaults = this.providers.defaults(type);
    const baseUrl = providerRow?.baseUrl ?? defaults?.baseUrl;
    if (defaults?.needsBaseUrl && !baseUrl) throw modelNotFound(handle, `provider "${provider}" needs a base_url: register it`);
    const key = this.sharedKey(type, providerRow);
    const verdict = judgeModelKeys(type as ProviderName, [], { defaultKeyAvailable: key !== undefined, need: defaults?.apiKey ?? 'required' });
    // Only the catalogue's own ids: catalogueEntry also answers for any suffix of a family (gpt-4o-<anything>).
    if (shippedModels(type).some((shipped) => shipped.id === model)) labelMetricsWithModel(handle);
    return {
      id: handle,
      name: handle,
      provider: type,
      modelId: model,
      ...optional('baseUrl', baseUrl),
      ...optional('apiVersion', providerRow?.apiVersion),
      options: { ...(providerRow?.config ?? {}) },
      supportsVision: catalogueEntry(type, model)?.supportsVision ?? false,
      ...optional('contextWindow', catalogueEntry(type, model)?.contextWindow),
      // Billed at the shipped list price; a model missing from the table stays unpriced.
      ...optional('prices', tablePrices(type, model)),
      limits: {},
      fallbacks: [],
      keyPool: this.pool(`${type}/*`, key ? [key] : [], 'single'),
      ...(verdict.callable ? {} : { noKeyReason: noDefaultKeyReason(provider, verdict.missing === 'defaultKeyMissing' ? verdict.variable : undefined) }),
    };
  }

  /** The provider row's key, else the provider's environment variable. */
  private sharedKey(type: string, providerRow: LlmProviderEntity | null): PoolEntry | undefined {
    if (providerRow?.apiKeyCiphertext) {
      const apiKey = this.tryDecrypt(providerRow.apiKeyCiphertext, `provider:${providerRow.id}`);
      if (apiKey !== undefined) return { keyId: `provider:${providerRow.id}`, apiKey, status: 'enabled' };
    }
    const envVar = this.providers.defaults(type)?.envVar;
    const value = envVar ? this.env[envVar] : undefined;
    return envVar && value ? { keyId: `env:${envVar}`, apiKey: value, status: 'enabled' } : undefined;
  }

  private tryDecrypt(stored: string, keyId: string): string | undefined {
    try {
      return this.cipher.decrypt(stored);
    } catch (error) {
      // The message names the master key id, never key material.
      logger.warn({ keyId, reason: (error as Error).message }, 'a stored key cannot be decrypted; it is skipped');
      return undefined;
    }
  }

  private pool(stateKey: string, entries: PoolEntry[], mode: string): ModelKeyPool {
    let state = this.poolStates.get(stateKey);
    if (!state) {
      state = { cursor: 0, coolingUntil: this.coolingUntil };
      this.poolStates.set(stateKey, state);
    }
    return new ModelKeyPool(entries, {
      mode,
      state,
      persistInvalid: (keyId, reason) => this.persistInvalid(keyId, reason),
      onUse: (keyId) => this.recordUse(keyId),
    });
  }

  private async persistInvalid(keyId: string, reason: string): Promise<void> {
    if (keyId.startsWith('provider:') || keyId.startsWith('env:')) {
      this.coolingUntil.set(keyId, Date.now() + SHARED_KEY_INVALID_COOL_DOWN_MS);
      logger.warn({ keyId, reason }, 'a shared provider key was rejected; skipping it for a while');
      return;
    }
    await this.dataSource
      .getRepository(LlmModelKeyEntity)
      .update({ id: keyId, status: 'enabled' }, { status: 'invalid', invalidReason: reason.slice(0, 500) });
    logger.warn({ keyId, reason }, 'model key marked invalid');
    this.changes.changed('models');
  }

  private recordUse(keyId: string): void {
    if (keyId.includes(':')) return;
    const now = Date.now();
    if (now - (this.lastUseWrites.get(keyId) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUseWrites.set(keyId, now);
    this.dataSource
      .getRepository(LlmModelKeyEntity)
      .update({ id: keyId }, { lastUsedAt: new Date(now) })
      .catch((error: Error) => logger.warn({ keyId, reason: error.message }, 'could not record key use'));
  }
}

function modelNotFound(handle: string, message?: string): NotFoundError {
  return new NotFoundError('llm-models', handle, message ?? `model "${handle}" not found: not a registered model_id, provider/model or LLM resource`);
}

function pricesOf(row: LlmModelEntity): ModelPrices | undefined {
  if (row.inputPrice === null || row.outputPrice === null) return undefined;
  return {
    input: row.inputPrice,
    output: row.outputPrice,
    ...optional('cacheRead', row.cacheReadPrice),
    ...optional('cacheWrite', row.cacheWritePrice),
  };
}

/** `{ [name]: value }` when value is set, else nothing (strict optional properties stay absent). */
function optional<K extends string, V>(name: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
