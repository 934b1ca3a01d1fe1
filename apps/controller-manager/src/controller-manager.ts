import { formatKey, keyOf, KINDS } from '@kastra/api';
import { parseQueueKey, ReconcileLoop, WorkQueue, type LoopOutcome } from '@kastra/controller-runtime';
import { SessionAdvisoryLocks, type RecordedEvent } from '@kastra/event-store';
import { DurableConsumer, natsNames } from '@kastra/messaging';
import { lastWriterPermissions, RbacAuthorizer, RbacPolicyCache, type ResourcePermissions } from '@kastra/rbac';
import { CustomResourceDefinitionFollower, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { KindReconciler } from './kind-reconciler';
import { reconcileDuration, reconcileTotal, workqueueDepth } from './reconcile-metrics';
import { rbacChangeRequests } from './rbac-change-requests';
import { reconcileRequestsFor } from './reconcile-requests';
import { ResourceReconciler } from './resource-reconciler';
import { AgentReconciler } from './reconcilers/agent-reconciler';
import { LlmReconciler } from './reconcilers/llm-reconciler';
import { NetworkReconciler } from './reconcilers/network-reconciler';
import { SystemReconciler, type SystemReconcilerOptions } from './reconcilers/system-reconciler';
import { ToolReconciler } from './reconcilers/tool-reconciler';
import { WorkflowReconciler } from './reconcilers/workflow-reconciler';

/**
 * Reconciles at the same time: a reconcile is a few round trips (lock, read, references, status
 * write, unlock), mostly waiting; 4 made a burst of creates wait in the queue for their turn.
 */
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_EVENT_CONCURRENCY = 16;

/** The durable consumer every replica shares, so each event is mapped to requests once. */
export const CONTROLLER_DURABLE_NAME = 'controller-manager';

export interface ControllerManagerOptions {
  store: ResourceStore;
  pool: Pool;
  nc: NatsConnection;
  prefix: string;
  logger?: Logger;
  /** @default one reconciler per built-in kind (LLM, Tool, Agent, Workflow, Network, System) */
  reconcilers?: KindReconciler[];
  /** Keys reconciled at the same time by this process. @default 8 */
  concurrency?: number;
  /** Resource events mapped to keys at the same time (in order per object). @default 16 */
  eventConcurrency?: number;
  /**
   * Postgres sessions holding this process's reconcile locks (a key's lock is always on the same
   * one). Lock and unlock calls of one session go one at a time: with one session, two round trips
   * per reconcile were the ceiling of reconciles per second. @default 4
   */
  lockSessions?: number;
  /** Period of the full resync (list every kind, enqueue all). @default 5 minutes */
  resyncIntervalMs?: number;
  /** How long to wait before retrying a key another replica is reconciling. @default 250–500 ms */
  lockedRetryMs?: () => number;
  /** Backoff of failing reconciles. @default 200 ms × 2^n, at most 60 s */
  backoff?: { baseDelayMs?: number; maxDelayMs?: number };
  /** `${ENV}` API keys of LLMs and providers' default keys are looked up here. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * `permissions`: what Tools and LLMs may use by their last writer's rights (@default none may use a Secret or reach private addresses);
 * `system`: whether a System's last writer may write its children of custom kinds (@default all may).
 */
export function defaultReconcilers(
  store: ResourceStore,
  env?: NodeJS.ProcessEnv,
  permissions?: ResourcePermissions,
  system?: SystemReconcilerOptions,
): KindReconciler[] {
  return [
    new LlmReconciler(store, { env, permissions }),
    new ToolReconciler(store, { permissions }),
    new AgentReconciler(store, { env }),
    new WorkflowReconciler(store),
    new NetworkReconciler(store, { env }),
    new SystemReconciler(store, system),
  ];
}

/**
 * The controller-manager's engine: resource events from the shared durable consumer (and a
 * periodic full resync) become keys in a work queue; workers reconcile each key under a
 * Postgres advisory lock so replicas never reconcile one resource at the same time. Tools and
 * LLMs are judged by their last writer's rights, from the RBAC policy this process keeps. The
 * kinds of CustomResourceDefinitions are learnt at start and from their watch, so Systems can own
 * objects of custom kinds.
 */
export class ControllerManager {
  private readonly queue: WorkQueue;
  private readonly rbac: RbacPolicyCache;
  private readonly loop: ReconcileLoop;
  private readonly locks: SessionAdvisoryLocks[];
  private readonly reconciler: ResourceReconciler;
  private readonly crds: CustomResourceDefinitionFollower;
  private consumer?: DurableConsumer;
  private resyncTimer?: NodeJS.Timeout;
  private started = false;

  constructor(private readonly options: ControllerManagerOptions) {
    const ctx: WriteContext = { actor: 'system:controller-manager' };
    this.queue = new WorkQueue({ ...options.backoff, onDepthChange: (depth) => workqueueDepth.set(depth) });
    // Reconciles are idempotent and their status writes fenced by resourceVersion: a lost lock session only needs saying.
    const onLost = (error: unknown) => options.logger?.warn({ err: String(error) }, 'controller lock session lost');
    this.locks = Array.from({ length: Math.max(1, options.lockSessions ?? 4) }, () => new SessionAdvisoryLocks(options.pool, onLost));
    // Loaded in start(), before the first reconcile.
    this.rbac = new RbacPolicyCache(options.store, options.logger);
    const authorizer = new RbacAuthorizer(() => this.rbac.policy);
    const permissions = lastWriterPermissions(options.store, authorizer);
    const system: SystemReconcilerOptions = { mayWriteCustomChild: (writer, attributes) => writer !== undefined && authorizer.mayPrincipal(writer, attributes) };
    this.reconciler = new ResourceReconciler(options.store, options.reconcilers ?? defaultReconcilers(options.store, options.env, permissions, system), ctx, options.logger);
    // Custom kinds are known from their CRDs (as the gateway knows them); a System waiting for one is requeued when they change.
    this.crds = new CustomResourceDefinitionFollower({ store: options.store, logger: options.logger, onChange: () => this.requeueSystemsWithCustomChildren() });
    this.loop = new ReconcileLoop({
      queue: this.queue,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      process: (key) => this.process(key),
      logger: options.logger,
    });
  }

  /** True once events are consumed and the initial resync has been queued. */
  get isRunning(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    await this.crds.start();
    await this.rbac.start();
    this.loop.start();
    this.consumer = new DurableConsumer({
      nc: this.options.nc,
      prefix: this.options.prefix,
      durableName: CONTROLLER_DURABLE_NAME,
      filterSubject: natsNames(this.options.prefix).categorySubject('resource'),
      handle: (event) => this.enqueueFor(event),
      logger: this.options.logger,
      // Mapping an event to keys is a referrers query: one at a time, a burst of 1,000 creates
      // (and their status writes) queued behind it. Keys are level-based and RBAC objects only
      // move forward by resourceVersion, so only each object's own events keep their order.
      concurrency: this.options.eventConcurrency ?? DEFAULT_EVENT_CONCURRENCY,
    });
    await this.consumer.start();
    // Like controller-runtime's initial list: correctness never depends on an event being seen.
    await this.resync();
    this.resyncTimer = setInterval(() => {
      this.resync().catch((error: unknown) => this.options.logger?.warn({ err: String(error) }, 'resync failed'));
    }, this.options.resyncIntervalMs ?? 5 * 60_000);
    this.resyncTimer.unref();
    this.started = true;
    this.options.logger?.info({ concurrency: this.options.concurrency ?? DEFAULT_CONCURRENCY }, 'controllers started');
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.consumer?.stop();
    await this.loop.stop();
    await Promise.all(this.locks.map((locks) => locks.close()));
    await this.rbac.stop();
    await this.crds.stop();
  }

  /** Lists every kind and enqueues every object (this also finds orphans left by a crash). */
  async resync(): Promise<number> {
    let count = 0;
    for (const kind of KINDS) {
      const { items } = await this.options.store.list({ kind: kind.kind });
      for (const item of items) {
        this.queue.add(formatKey(keyOf(item)));
        count++;
      }
    }
    return count;
  }

  /** Systems declaring objects of custom kinds: a CRD that came, changed or went decides whether they can be created. */
  private requeueSystemsWithCustomChildren(): void {
    this.options.store
      .list({ kind: 'System' })
      .then(({ items }) => {
        for (const system of items) {
          const resources = (system.spec as { resources?: unknown } | undefined)?.resources;
          if (Array.isArray(resources) && resources.length > 0) this.queue.add(formatKey(keyOf(system)));
        }
      })
      .catch((error: unknown) => this.options.logger?.warn({ err: String(error) }, 'could not requeue the Systems after a CustomResourceDefinition changed'));
  }

  private async enqueueFor(event: RecordedEvent): Promise<void> {
    for (const key of await reconcileRequestsFor(event, this.options.store)) this.queue.add(formatKey(key));
    for (const key of await rbacChangeRequests(event, this.options.store, this.rbac)) this.queue.add(formatKey(key));
  }

  /** The session a key's lock lives on: always the same for a key (a second holder in this process must see it held). */
  private lockSessionOf(queueKey: string): SessionAdvisoryLocks {
    let hash = 0;
    for (let i = 0; i < queueKey.length; i++) hash = (hash * 31 + queueKey.charCodeAt(i)) | 0;
    return this.locks[Math.abs(hash) % this.locks.length];
  }

  private async process(queueKey: string): Promise<LoopOutcome> {
    const key = parseQueueKey(queueKey);
    const endTimer = reconcileDuration.startTimer({ kind: key.kind });
    let result = 'error';
    try {
      const locked = await this.lockSessionOf(queueKey).withLock(queueKey, () => this.reconciler.reconcile(key));
      if (!locked.acquired) {
        result = 'locked';
        return { requeueAfterMs: this.options.lockedRetryMs?.() ?? 250 + Math.random() * 250, keepBackoff: true };
      }
      const outcome = locked.value;
      result = outcome.keepBackoff ? 'conflict' : outcome.requeueAfterMs !== undefined ? 'requeue' : 'success';
      return outcome;
    } finally {
      endTimer();
      reconcileTotal.inc({ kind: key.kind, result });
    }
  }
}
