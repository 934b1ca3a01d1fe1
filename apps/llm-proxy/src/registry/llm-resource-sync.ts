import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_NAMESPACE, parseReference, type Resource } from '@kastra/api';
import { loadConfig } from '@kastra/config';
import { PG_POOL } from '@kastra/event-store';
import { DurableConsumer, NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { createResourceStore, RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import type { SecretCipher } from '@kastra/secrets';
import { createLogger } from '@kastra/telemetry';
import { LlmModelEntity, LlmModelKeyEntity } from './entities';
import { keyHint } from './key-hint';
import { RegistryChangeBus } from './registry-change-bus';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE, REGISTRY_ENV } from './registry-tokens';

const logger = createLogger('llm-proxy').child({ component: 'llm-resource-sync' });

/** The durable consumer every llm-proxy replica shares: each LLM event is handled once. */
export const LLM_RESOURCE_CONSUMER = 'llm-proxy-registry';
const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Providers called without a key. */
const KEYLESS = new Set(['mock', 'ollama']);

/** What the sync needs of a resource store: reads, and the one place Secret values are revealed. */
type ResourceReader = Pick<ResourceStore, 'get' | 'list'> & {
  revealSecretValue(namespace: string, name: string, dataKey: string): Promise<string | undefined>;
};

/**
 * Mirrors LLM resources into the registry as `source: resource` rows (model_id = the resource's
 * `namespace.name`), level-based: each LLM event only names the resource, which is then read from
 * the store and upserted, or removed when it is gone. Keys are resolved here — `${ENV}` from this
 * process's environment, Secrets through the store — and stored encrypted like admin keys.
 */
@Injectable()
export class LlmResourceSync implements OnApplicationBootstrap, OnModuleDestroy {
  private consumer?: DurableConsumer;
  private ownStore?: ResourceReader & { close(): Promise<void> };

  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    @Inject(REGISTRY_ENV) private readonly env: NodeJS.ProcessEnv,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly changes: RegistryChangeBus,
    @Optional() @Inject(RESOURCE_STORE) private readonly sharedStore?: ResourceStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.resyncAll();
    this.consumer = new DurableConsumer({
      nc: this.nc,
      prefix: this.prefix,
      durableName: LLM_RESOURCE_CONSUMER,
      filterSubject: `${this.prefix}.events.resource.LLM.>`,
      logger,
      handle: async (event) => {
        const [, , namespace, name] = event.streamId.split(':');
        if (namespace && name) await this.reconcile(namespace, name);
      },
    });
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
    await this.ownStore?.close();
  }

  /** Reconciles every LLM resource and removes rows of resources that no longer exist. */
  async resyncAll(): Promise<void> {
    const store = await this.store();
    const { items } = await store.list({ kind: 'LLM' });
    const live = new Set<string>();
    for (const llm of items) {
      live.add(handleOf(llm.metadata.namespace ?? DEFAULT_NAMESPACE, llm.metadata.name));
      await this.apply(llm.metadata.namespace ?? DEFAULT_NAMESPACE, llm.metadata.name, llm);
    }
    const rows = await this.dataSource.getRepository(LlmModelEntity).findBy({ source: 'resource' });
    const stale = rows.filter((row) => !live.has(row.resourceRef ?? ''));
    if (stale.length > 0) {
      await this.dataSource.getRepository(LlmModelEntity).delete(stale.map((row) => row.id));
      this.changes.changed();
    }
    logger.info({ resources: items.length, removed: stale.length }, 'LLM resources synced into the registry');
  }

  /**
   * Brings the row of one LLM handle (`namespace.name`, or `name` in the default namespace) up
   * to date; returns the row's model_id when the resource exists.
   */
  async syncHandle(handle: string): Promise<string | undefined> {
    let key;
    try {
      key = parseReference(handle, { kind: 'LLM', defaultNamespace: DEFAULT_NAMESPACE });
    } catch {
      return undefined;
    }
    const exists = await this.reconcile(key.namespace, key.name);
    return exists ? handleOf(key.namespace, key.name) : undefined;
  }

  /** Upserts or removes the row of LLM `namespace/name`; true when the resource exists. */
  async reconcile(namespace: string, name: string): Promise<boolean> {
    const store = await this.store();
    const llm = await store.get({ kind: 'LLM', namespace, name });
    await this.apply(namespace, name, llm && !llm.metadata.deletionTimestamp ? llm : undefined);
    return llm !== undefined && !llm.metadata.deletionTimestamp;
  }

  private async apply(namespace: string, name: string, llm: Resource | undefined): Promise<void> {
    const handle = handleOf(namespace, name);
    if (!llm) {
      const removed = await this.dataSource.getRepository(LlmModelEntity).delete({ source: 'resource', resourceRef: handle });
      if (removed.affected) {
        logger.info({ llm: handle }, 'LLM resource removed from the registry');
        this.changes.changed();
      }
      return;
    }
    const spec = (llm.spec ?? {}) as unknown as LlmSpec;
    const keys = await this.keysOf(namespace, handle, spec);
    await this.dataSource.transaction(async (manager) => {
      const models = manager.getRepository(LlmModelEntity);
      const existing = await models.findOneBy({ modelId: handle });
      if (existing && existing.source !== 'resource') {
        logger.warn({ llm: handle }, 'an admin model already uses this model_id; the LLM resource is not mirrored');
        return;
      }
      const { baseURL, maxTokens, ...options } = spec.options ?? {};
      const row = models.merge(existing ?? models.create(), {
        name: llm.metadata.name,
        modelId: handle,
        upstreamModel: spec.model,
        provider: spec.provider,
        type: 'chat',
        description: llm.metadata.annotations?.['kastra.ai/description'] ?? '',
        status: 'enabled',
        baseUrl: typeof baseURL === 'string' ? baseURL : null,
        authType: KEYLESS.has(spec.provider) ? 'none' : 'api_key',
        keyUsageMode: keys.length > 1 ? 'round-robin' : 'single',
        maxTokens: typeof maxTokens === 'number' ? maxTokens : null,
        rpmLimit: spec.rateLimits?.requestsPerMinute ?? null,
        tpmLimit: spec.rateLimits?.tokensPerMinute ?? null,
        fallbacks: (spec.fallbacks ?? []).map((ref) => fallbackHandle(ref, namespace)),
        source: 'resource',
        resourceRef: handle,
        options: { ...options, ...(typeof maxTokens === 'number' ? { maxTokens } : {}) },
      });
      const saved = await models.save(row);
      await this.replaceKeys(manager, saved.id, keys);
    });
    this.changes.changed();
  }

  /** Keeps key rows whose value is unchanged (and their status), adds new ones, drops the rest. */
  private async replaceKeys(manager: EntityManager, modelId: string, wanted: string[]): Promise<void> {
    const repo = manager.getRepository(LlmModelKeyEntity);
    const current = await repo.findBy({ modelId });
    const kept = new Map<string, LlmModelKeyEntity>();
    for (const row of current) {
      const value = this.decryptOrUndefined(row.keyCiphertext);
      if (value !== undefined && wanted.includes(value) && !kept.has(value)) kept.set(value, row);
      else await repo.delete(row.id);
    }
    for (const [position, value] of wanted.entries()) {
      const row = kept.get(value);
      if (row) {
        if (row.position !== position) await repo.update(row.id, { position });
      } else {
        await repo.insert({ modelId, keyCiphertext: this.cipher.encrypt(value), keyHint: keyHint(value), status: 'enabled', position });
      }
    }
  }

  /** The key values of an LLM, in order and without duplicates. Logs names, never values. */
  private async keysOf(namespace: string, handle: string, spec: LlmSpec): Promise<string[]> {
    const values: string[] = [];
    for (const reference of [spec.apiKey, ...(spec.apiKeys ?? [])]) {
      if (typeof reference !== 'string') continue;
      const variable = ENV_REFERENCE.exec(reference)?.[1];
      const value = variable ? this.env[variable] : undefined;
      if (value) values.push(value);
      else logger.warn({ llm: handle, variable }, 'the environment variable of an LLM key is not set in llm-proxy');
    }
    if (spec.secretRef?.name && spec.secretRef.key) {
      const store = await this.store();
      const value = await store.revealSecretValue(namespace, spec.secretRef.name, spec.secretRef.key).catch(() => undefined);
      if (value) values.push(value);
      else logger.warn({ llm: handle, secret: spec.secretRef.name, key: spec.secretRef.key }, 'the Secret key of an LLM is missing');
    }
    return [...new Set(values)];
  }

  private decryptOrUndefined(stored: string): string | undefined {
    try {
      return this.cipher.decrypt(stored);
    } catch {
      return undefined;
    }
  }

  private async store(): Promise<ResourceReader> {
    const shared = this.sharedStore as (ResourceStore & Partial<ResourceReader>) | undefined;
    if (shared && typeof shared.revealSecretValue === 'function') return shared as ResourceReader;
    if (!this.ownStore) {
      this.ownStore = await createResourceStore({ pool: this.pool, databaseUrl: loadConfig(0, this.env).databaseUrl, cipher: this.cipher });
    }
    return this.ownStore;
  }
}

interface LlmSpec {
  provider: string;
  model: string;
  apiKey?: string;
  apiKeys?: string[];
  secretRef?: { name?: string; key?: string };
  options?: Record<string, unknown>;
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number };
  fallbacks?: unknown[];
}

function handleOf(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

/** Fallback references as registry handles (`namespace.name`, relative to the LLM's namespace). */
function fallbackHandle(ref: unknown, namespace: string): string {
  try {
    const key = parseReference(ref, { kind: 'LLM', defaultNamespace: namespace });
    return handleOf(key.namespace, key.name);
  } catch {
    return String(ref);
  }
}
