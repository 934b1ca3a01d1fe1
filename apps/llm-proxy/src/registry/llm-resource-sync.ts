import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_NAMESPACE, parseReference, type Resource, type ResourceKey } from '@kastra/api';
import { ReconcileLoop, splitObjectKey, WorkQueue, type LoopOutcome } from '@kastra/controller-runtime';
import { normalizeProviderName, PROVIDER_DEFAULTS, usesDefaultEndpoint } from '@kastra/llm';
import { DurableConsumer, NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { RBAC_KIND_NAMES } from '@kastra/rbac';
import { keyOfResourceStream } from '@kastra/resource-store';
import type { SecretCipher } from '@kastra/secrets';
import { denyPrivateEgress, type PrivateEgressResolver } from '@kastra/egress';
import { createLogger } from '@kastra/telemetry';
import { LlmModelEntity } from './entities';
import { type LlmSpec, wantedKeysOf, writeModelKeys } from './llm-resource-keys';
import { RegistryChangeBus } from './registry-change-bus';
import { RegistryResourceAccess } from './registry-resource-access';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE, REGISTRY_ENV, REGISTRY_PRIVATE_EGRESS } from './registry-tokens';

const logger = createLogger('llm-proxy').child({ component: 'llm-resource-sync' });

/** The durable consumer every llm-proxy replica shares: each LLM event is handled once. */
export const LLM_RESOURCE_CONSUMER = 'llm-proxy-registry';
/** The same for Secret events: one replica reconciles the LLMs using the Secret. */
export const LLM_SECRET_CONSUMER = 'llm-proxy-registry-secrets';
/** The same for each RBAC kind (`llm-proxy-registry-rbac-RoleBinding`...): a changed right re-reconciles the LLMs using Secrets. */
export const LLM_RBAC_CONSUMER_PREFIX = 'llm-proxy-registry-rbac';
/**
 * Serializes the reconciles of one LLM across replicas (LLM event, Secret event, resolve on
 * the spot, start): each reads the resource and its Secret after taking the lock, so one that
 * read an older key cannot commit after one that read the newer key.
 */
const RECONCILE_LOCK_SQL = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

/**
 * Mirrors LLM resources into the registry as `source: resource` rows (model_id = the resource's
 * `namespace.name`), level-based, on the controller runtime's work queue: each LLM event only
 * queues the resource's key; a worker reads it from the store and upserts its row, or removes it
 * when it is gone (a key queued many times is reconciled once; a failure is retried with
 * backoff). Each Secret event queues the LLMs of its namespace that refer to it, so a rotated or
 * deleted key takes effect at once. Keys are
 * resolved here — `${ENV}` from this process's environment, Secrets through the store, only those
 * the LLM's last writer may read — and stored encrypted like admin keys. A Role or binding event
 * queues every LLM using a Secret (a right granted or taken away). Every write tells all
 * replicas (RegistryChangeBus), which drop their cached resolutions.
 */
@Injectable()
export class LlmResourceSync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumers: DurableConsumer[] = [];
  /** Keys `namespace/name` of LLMs to reconcile. */
  private readonly queue = new WorkQueue({ maxDelayMs: 30_000 });
  private readonly loop = new ReconcileLoop({ queue: this.queue, concurrency: 2, process: (key) => this.reconcileKey(key), logger });

  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    @Inject(REGISTRY_ENV) private readonly env: NodeJS.ProcessEnv,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
    private readonly changes: RegistryChangeBus,
    private readonly resources: RegistryResourceAccess,
    @Optional() @Inject(REGISTRY_PRIVATE_EGRESS) private readonly privateEgress: PrivateEgressResolver = denyPrivateEgress,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.resyncAll();
    this.loop.start();
    const consume = (durableName: string, kind: string, handle: (key: ResourceKey) => Promise<unknown>) =>
      new DurableConsumer({
        nc: this.nc,
        prefix: this.prefix,
        durableName,
        filterSubject: `${this.prefix}.events.resource.${kind}.>`,
        logger,
        handle: async (event) => {
          const key = keyOfResourceStream(event.streamId);
          if (key?.kind === kind) await handle(key);
        },
      });
    this.consumers.push(
      consume(LLM_RESOURCE_CONSUMER, 'LLM', async (key) => this.queue.add(queueKeyOf(key.namespace, key.name))),
      consume(LLM_SECRET_CONSUMER, 'Secret', (key) => this.queueUsersOf(key)),
      ...RBAC_KIND_NAMES.map(
        (kind) =>
          new DurableConsumer({
            nc: this.nc,
            prefix: this.prefix,
            durableName: `${LLM_RBAC_CONSUMER_PREFIX}-${kind}`,
            filterSubject: `${this.prefix}.events.resource.${kind}.>`,
            logger,
            handle: async (event) => {
              const object = (event.data as { object?: Resource } | undefined)?.object;
              // Applied before reconciling: this process's watch of the policy may not have it yet.
              if (object) await this.resources.observeRbac({ ...object, metadata: { ...object.metadata, resourceVersion: event.globalPosition } }, event.type === 'ResourceDeleted');
              await this.queueSecretUsers();
            },
          }),
      ),
    );
    for (const consumer of this.consumers) await consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    for (const consumer of this.consumers) await consumer.stop();
    await this.loop.stop();
  }

  /** Reconciles every LLM resource and removes rows of resources that no longer exist. */
  async resyncAll(): Promise<void> {
    const store = await this.store();
    const { items } = await store.list({ kind: 'LLM' });
    const live = new Set<string>();
    let failed = 0;
    for (const llm of items) {
      const namespace = llm.metadata.namespace ?? DEFAULT_NAMESPACE;
      live.add(handleOf(namespace, llm.metadata.name));
      // One LLM whose Secret cannot be read now must not keep the proxy from starting.
      await this.reconcile(namespace, llm.metadata.name).catch((error: Error) => {
        failed++;
        logger.warn({ llm: handleOf(namespace, llm.metadata.name), reason: error.message }, 'an LLM resource could not be synced at start');
      });
    }
    const rows = await this.dataSource.getRepository(LlmModelEntity).findBy({ source: 'resource' });
    const stale = rows.filter((row) => !live.has(row.resourceRef ?? ''));
    // Each stale row is reconciled, not deleted blindly: its LLM may have been created since the list.
    for (const row of stale) {
      await this.syncHandle(row.resourceRef ?? row.modelId).catch((error: Error) => {
        failed++;
        logger.warn({ llm: row.resourceRef, reason: error.message }, 'a stale LLM resource row could not be synced at start');
      });
    }
    logger.info({ resources: items.length, stale: stale.length, failed }, 'LLM resources synced into the registry');
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

  /**
   * Queues the LLMs that refer to Secret `key` (the store's reference index: same namespace,
   * that name) and no others; returns their handles.
   */
  async queueUsersOf(secret: ResourceKey): Promise<string[]> {
    const store = await this.store();
    const users = (await store.referrers({ kind: 'Secret', namespace: secret.namespace, name: secret.name })).filter((ref) => ref.kind === 'LLM');
    for (const llm of users) this.queue.add(queueKeyOf(llm.namespace, llm.name));
    const handles = users.map((llm) => handleOf(llm.namespace, llm.name));
    if (handles.length > 0) logger.info({ secret: `${secret.namespace}/${secret.name}`, llms: handles }, 'a Secret changed; the LLMs using it are reconciled');
    return handles;
  }

  /** Queues every LLM that takes a key from a Secret: whether it may use it rests on its last writer's rights. */
  async queueSecretUsers(): Promise<string[]> {
    const { items } = await (await this.store()).list({ kind: 'LLM' });
    const users = items.filter((llm) => (llm.spec as LlmSpec | undefined)?.secretRef?.name);
    for (const llm of users) this.queue.add(queueKeyOf(llm.metadata.namespace ?? DEFAULT_NAMESPACE, llm.metadata.name));
    const handles = users.map((llm) => handleOf(llm.metadata.namespace ?? DEFAULT_NAMESPACE, llm.metadata.name));
    if (handles.length > 0) logger.info({ llms: handles }, 'an RBAC object changed; the LLMs using Secrets are reconciled');
    return handles;
  }

  /** One queued key: its row brought up to date (throwing retries it with backoff). */
  private async reconcileKey(key: string): Promise<LoopOutcome> {
    const { namespace, name } = splitObjectKey(key);
    await this.reconcile(namespace, name);
    return {};
  }

  /**
   * Whether the LLM of row `handle` (`namespace.name`) may call `baseUrl`, the row's, on a private
   * address: the resolver's answer for the resource as it is now; false when it is gone, or when
   * it names another base URL now (the row is older than its last write, whose writer's rights
   * must not cover the URL an earlier writer chose).
   */
  async privateEgressAllowed(handle: string, baseUrl: string): Promise<boolean> {
    let key;
    try {
      key = parseReference(handle, { kind: 'LLM', defaultNamespace: DEFAULT_NAMESPACE });
    } catch {
      return false;
    }
    const llm = await (await this.store()).get(key);
    if (!llm || (llm.spec as LlmSpec | undefined)?.options?.baseURL !== baseUrl) return false;
    return this.privateEgress(llm);
  }

  /** Upserts or removes the row of LLM `namespace/name`; true when the resource exists. */
  async reconcile(namespace: string, name: string): Promise<boolean> {
    const handle = handleOf(namespace, name);
    const store = await this.store();
    const outcome = await this.dataSource.transaction(async (manager) => {
      await manager.query(RECONCILE_LOCK_SQL, [`llm-proxy:llm-resource:${handle}`]);
      const llm = await store.get({ kind: 'LLM', namespace, name });
      if (!llm || llm.metadata.deletionTimestamp) {
        const removed = await manager.getRepository(LlmModelEntity).delete({ source: 'resource', resourceRef: handle });
        return removed.affected ? 'removed' : 'absent';
      }
      return this.write(manager, namespace, handle, llm);
    });
    if (outcome === 'removed') logger.info({ llm: handle }, 'LLM resource removed from the registry');
    // After the commit: a replica re-reading on the signal must see the new rows.
    if (outcome === 'removed' || outcome === 'written') this.changes.changed('models');
    return outcome === 'written' || outcome === 'taken';
  }

  private async write(manager: EntityManager, namespace: string, handle: string, llm: Resource): Promise<'written' | 'taken'> {
    const spec = (llm.spec ?? {}) as unknown as LlmSpec;
    const models = manager.getRepository(LlmModelEntity);
    const existing = await models.findOneBy({ modelId: handle });
    if (existing && existing.source !== 'resource') {
      logger.warn({ llm: handle }, 'an admin model already uses this model_id; the LLM resource is not mirrored');
      return 'taken';
    }
    const provider = normalizeProviderName(String(spec.provider));
    // Providers called without a key (provider table): a key of theirs that cannot be read is left out.
    const keyless = provider !== undefined && PROVIDER_DEFAULTS[provider].apiKey === 'none';
    const permissions = await this.resources.permissions();
    const keys = await wantedKeysOf(
      spec,
      { namespace, handle, keyless, provider },
      { env: this.env, revealSecretValue: (...args) => this.revealSecretValue(...args), mayUseSecret: (secret) => permissions.mayUseSecret(llm, secret) },
      logger,
    );
    const { baseURL, maxTokens, ...options } = spec.options ?? {};
    // A key-optional provider at an endpoint of the LLM's own is called without a key when given
    // none: auth_type none, so no shared provider key is ever sent there.
    const noKeyForOwnEndpoint = provider !== undefined && keys.length === 0 && !usesDefaultEndpoint(provider, baseURL);
    const row = models.merge(existing ?? models.create(), {
      name: llm.metadata.name,
      modelId: handle,
      upstreamModel: spec.model,
      provider: spec.provider,
      type: 'chat',
      description: llm.metadata.annotations?.['kastra.ai/description'] ?? '',
      status: 'enabled',
      baseUrl: typeof baseURL === 'string' ? baseURL : null,
      authType: keyless || noKeyForOwnEndpoint ? 'none' : 'api_key',
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
    await writeModelKeys(manager, this.cipher, saved, keys);
    return 'written';
  }

  private async revealSecretValue(namespace: string, name: string, dataKey: string): Promise<string | undefined> {
    return (await this.store()).revealSecretValue(namespace, name, dataKey);
  }

  private store() {
    return this.resources.store();
  }
}

/** Queue keys are `namespace/name` (a handle's `.` may appear in names). */
function queueKeyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
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
