import { randomUUID } from 'node:crypto';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, formatKey, type Resource, type ResourceKey } from '@kastra/api';
import { SessionAdvisoryLocks, type RecordedEvent } from '@kastra/event-store';
import { DurableConsumer, natsNames } from '@kastra/messaging';
import type { ResourceStore } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { broadcastRunAdvanced, broadcastRunCancel, consumeRunWork, decodeRunKey, decodeRunWork, ensureRunWorkQueue, publishRunWork, runCreatedMessageId, type RunWorkQueueNames } from './run-work-queue';

/** Longest wait before a run whose advance failed (not its own work) is tried again. */
const MAX_FAILED_ADVANCE_DELAY_MS = 30_000;

/**
 * How one advance of a run ended: finished, or waiting on the world (a resource change, a child
 * run) — the work message is acked; back at a time (`wait`); or stopped (cancelled: decide again
 * at once; shutting down: another replica takes it).
 */
export type AdvanceOutcome = { kind: 'done' } | { kind: 'idle' } | { kind: 'wait'; delayMs: number } | { kind: 'stopped' };

/** What advances one run of a kind, from its event log. The engine calls it under the run's lock. */
export interface RunAdvancer {
  /**
   * `signal` aborts on cancel, shutdown or a lost lock session. `recheck()` says (once) that a
   * work message came for the run meanwhile: read it again before the next decision and before
   * letting it go.
   */
  advance(key: ResourceKey, signal: AbortSignal, recheck: () => boolean): Promise<AdvanceOutcome>;
}

export interface DurableRunEngineOptions {
  queue: RunWorkQueueNames;
  /** Durable consumer of the run kind's resource events, shared by every replica. */
  resourceConsumer: string;
  /**
   * Kinds of child runs (other than the queue's own kind) whose end wakes their controller owner
   * of the queue's kind: each gets a durable consumer `<resourceConsumer>-<kind, lowercase>`.
   */
  childRunKinds?: string[];
  store: ResourceStore;
  pool: Pool;
  nc: NatsConnection;
  prefix: string;
  advancer: RunAdvancer;
  /** Whether a run (as stored) has ended: it is never enqueued again. */
  isFinished(run: Resource): boolean;
  /** Identifies this process in the runs' events. @default newReplicaId() */
  replica?: string;
  logger?: Logger;
  /** Runs advanced at the same time by this process. @default 16 */
  concurrency?: number;
  /**
   * Postgres sessions holding this process's run locks (a run's lock is always on the same one).
   * Lock and unlock calls of one session go one at a time: with one session they were the
   * ceiling of runs started per second (two round trips per run). @default 4
   */
  lockSessions?: number;
  /** A work message held this long by a dead replica is redelivered. @default 10000 */
  ackWaitMs?: number;
  /** Period of re-enqueueing every unfinished run (recovery of lost messages). @default 30000 */
  recoveryIntervalMs?: number;
  /** Hook for tests and metrics: a work message for `run` was delivered (1 = first delivery). */
  onWorkDelivered?: (run: ResourceKey, deliveryCount: number) => void;
}

/** A run this process is advancing: how to stop it, and whether a message came for it meanwhile. */
interface Advancing {
  controller: AbortController;
  dirty: boolean;
}

/** `<pid>-<random>`: names the process that recorded an event (so a test can find and kill it). */
export function newReplicaId(): string {
  return `${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * Durable execution of the runs of one kind by N replicas. Resource events of the kind (a shared
 * durable consumer) put the run's key on a JetStream work queue; replicas pull from it and
 * advance each run under a Postgres session advisory lock (one replica per run; a killed
 * replica's session ends and frees it), heart-beating the message for the whole advance.
 * Unfinished runs are re-enqueued at start and periodically, so a lost message or a dead replica
 * delays a run, never loses it. What a run does is the advancer's; this is only distribution.
 */
export class DurableRunEngine {
  readonly replica: string;
  private readonly locks: SessionAdvisoryLocks[];
  private readonly running = new Map<string, Advancing>();
  private readonly consumers: DurableConsumer[] = [];
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private cancelSubscription?: Subscription;
  private recoveryTimer?: NodeJS.Timeout;
  private started = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: DurableRunEngineOptions) {
    this.replica = options.replica ?? newReplicaId();
    // Lost locks: every run this replica advances stops (another replica may own it now).
    const onLost = (error: unknown) => {
      options.logger?.warn({ err: String(error) }, 'run lock session lost; runs in flight stop');
      this.running.forEach(({ controller }) => controller.abort('lock lost'));
    };
    this.locks = Array.from({ length: Math.max(1, options.lockSessions ?? 4) }, () => new SessionAdvisoryLocks(options.pool, onLost));
  }

  private get kind(): string {
    return this.options.queue.kind;
  }

  /** Well within ack_wait, so a slow event loop still beats in time. */
  private get heartbeatMs(): number {
    return Math.max(50, Math.floor((this.options.ackWaitMs ?? 10_000) / 4));
  }

  get isRunning(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    const { nc, prefix, queue } = this.options;
    await ensureRunWorkQueue(nc, queue, this.options.ackWaitMs ?? 10_000);
    this.cancelSubscription = nc.subscribe(queue.cancelSubject, {
      callback: (error, message) => {
        if (error) return;
        const key = decodeRunKey(this.kind, message.data);
        if (key) this.running.get(formatKey(key))?.controller.abort('cancelled');
      },
    });
    const kinds = [this.kind, ...(this.options.childRunKinds ?? []).filter((kind) => kind !== this.kind)];
    for (const kind of kinds) {
      const consumer = new DurableConsumer({
        nc,
        prefix,
        durableName: kind === this.kind ? this.options.resourceConsumer : `${this.options.resourceConsumer}-${kind.toLowerCase()}`,
        filterSubject: `${natsNames(prefix).categorySubject('resource').slice(0, -1)}${kind}.>`,
        handle: (event) => (kind === this.kind ? this.onRunEvent(event) : this.onChildRunEvent(event)),
        logger: this.options.logger,
        // Runs are independent: only one run's events keep their order (a create before its cancel).
        concurrency: 32,
      });
      await consumer.start();
      this.consumers.push(consumer);
    }
    this.messages = await consumeRunWork(nc, queue, this.options.concurrency ?? 16);
    this.loop = this.consumeWork(this.messages);
    await this.recover();
    this.recoveryTimer = setInterval(() => {
      this.recover().catch((error: unknown) => this.options.logger?.warn({ err: String(error) }, 'run recovery failed'));
    }, this.options.recoveryIntervalMs ?? 30_000);
    this.recoveryTimer.unref();
    this.started = true;
    this.options.logger?.info({ replica: this.replica, kind: this.kind }, 'run engine started');
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    this.cancelSubscription?.unsubscribe();
    for (const consumer of this.consumers) await consumer.stop();
    for (const { controller } of this.running.values()) controller.abort('shutdown');
    await this.messages?.close();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.locks.map((locks) => locks.close()));
  }

  /** Enqueues every run of the kind that has not ended. */
  async recover(): Promise<number> {
    const { items } = await this.options.store.list({ kind: this.kind });
    let count = 0;
    for (const run of items) {
      if (this.options.isFinished(run)) continue;
      await publishRunWork(this.options.nc, this.options.queue, this.keyOf(run));
      count++;
    }
    return count;
  }

  /** Puts a run of the kind on the work queue (e.g. after a change the engine does not watch). */
  enqueue(key: Pick<ResourceKey, 'namespace' | 'name'>): Promise<void> {
    return publishRunWork(this.options.nc, this.options.queue, { kind: this.kind, namespace: key.namespace, name: key.name });
  }

  private async onRunEvent(event: RecordedEvent): Promise<void> {
    const run = (event.data as { object?: Resource }).object;
    if (!run || run.kind !== this.kind) return;
    const key = this.keyOf(run);
    if (event.type === 'ResourceStatusUpdated') {
      // Our own projection writes; only a finished child wakes its parent.
      await this.wakeOwner(run);
      return;
    }
    if (event.type === 'ResourceDeleted' || event.type === 'ResourceDeletionRequested') {
      broadcastRunCancel(this.options.nc, this.options.queue, key);
      return;
    }
    if (this.options.isFinished(run)) return;
    if ((run.spec as { cancel?: boolean } | undefined)?.cancel) {
      // Whichever replica runs it aborts the work in flight.
      broadcastRunCancel(this.options.nc, this.options.queue, key);
    }
    // A creation may have been enqueued by its creator already (same id: JetStream drops this one).
    const msgID = event.type === 'ResourceCreated' && run.metadata.uid ? runCreatedMessageId(run.metadata.uid) : undefined;
    await publishRunWork(this.options.nc, this.options.queue, key, msgID);
  }

  private async onChildRunEvent(event: RecordedEvent): Promise<void> {
    const child = (event.data as { object?: Resource }).object;
    if (child && event.type === 'ResourceStatusUpdated') await this.wakeOwner(child);
  }

  /** A child run that has ended wakes its controller owner of this engine's kind. */
  private async wakeOwner(child: Resource): Promise<void> {
    const owner = child.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === this.kind && ref.apiVersion === API_GROUP_VERSION);
    if (!owner || !this.options.isFinished(child)) return;
    await this.enqueue({ namespace: child.metadata.namespace ?? 'default', name: owner.name });
  }

  private async consumeWork(messages: ConsumerMessages): Promise<void> {
    const limit = this.options.concurrency ?? 16;
    for await (const message of messages) {
      const task = this.handleWork(message).finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
      while (this.inFlight.size >= limit) await Promise.race(this.inFlight);
    }
  }

  private async handleWork(message: JsMsg): Promise<void> {
    const key = decodeRunWork(this.options.queue, message);
    if (!key) {
      message.term();
      return;
    }
    this.options.onWorkDelivered?.(key, message.info.deliveryCount);
    const id = formatKey(key);
    const current = this.running.get(id);
    if (current) {
      // This process advances the run now: it looks at the run once more before letting it go,
      // so this message has done its job (naking it only bounced it off the lock every 300 ms).
      current.dirty = true;
      message.ack();
      return;
    }
    const advancing: Advancing = { controller: new AbortController(), dirty: false };
    this.running.set(id, advancing);
    const recheck = () => {
      const dirty = advancing.dirty;
      advancing.dirty = false;
      return dirty;
    };
    // The message stays ours for the whole advance, however long it takes: without this a run of
    // many short steps outlived ack_wait and was handed to another replica, which found it
    // locked and re-queued it every few hundred ms until the run ended.
    const heartbeat = setInterval(() => message.working(), this.heartbeatMs);
    let outcome: AdvanceOutcome | 'locked';
    try {
      do {
        outcome = await this.advanceLocked(key, advancing.controller.signal, recheck);
        // A message that came after the advance's last look (while the lock was being released).
      } while (outcome !== 'locked' && outcome.kind !== 'stopped' && recheck());
    } catch (error) {
      // Not the run's own failure (the advancer records those): the log or the network is out of
      // reach, or another replica took the run. Back off, doubling per redelivery of this message.
      const delayMs = Math.min(MAX_FAILED_ADVANCE_DELAY_MS, 1000 * 2 ** Math.min(10, message.info.deliveryCount - 1));
      this.options.logger?.warn({ run: id, err: String(error), retryInMs: delayMs }, 'advancing a run failed; will retry');
      message.nak(delayMs);
      return;
    } finally {
      clearInterval(heartbeat);
      this.running.delete(id);
    }
    if (outcome === 'locked') {
      // Another replica has it: try again once it may have let it go.
      message.nak(200 + Math.floor(Math.random() * 300));
      return;
    }
    switch (outcome.kind) {
      case 'done':
      case 'idle':
        message.ack();
        return;
      case 'wait':
        message.nak(Math.max(1, outcome.delayMs));
        return;
      case 'stopped':
        // Cancelled: decide again at once; shutting down: another replica takes it now.
        message.nak(0);
        return;
    }
  }

  /** One advance under the run's lock: `locked` when another replica holds it. */
  private async advanceLocked(key: ResourceKey, signal: AbortSignal, recheck: () => boolean): Promise<AdvanceOutcome | 'locked'> {
    const lockKey = runLockKey(key);
    const result = await this.lockSessionOf(lockKey).withLock(lockKey, async () => {
      const outcome = await this.options.advancer.advance(key, signal, recheck);
      // The advance flushed the run's status: a waiter may read it now, not after the unlock.
      if (outcome.kind !== 'stopped') broadcastRunAdvanced(this.options.nc, this.options.queue, key);
      return outcome;
    });
    return result.acquired ? result.value : 'locked';
  }

  /** The session a run's lock lives on: always the same for a key (a second holder in this process must see it held). */
  private lockSessionOf(lockKey: string): SessionAdvisoryLocks {
    let hash = 0;
    for (let i = 0; i < lockKey.length; i++) hash = (hash * 31 + lockKey.charCodeAt(i)) | 0;
    return this.locks[Math.abs(hash) % this.locks.length];
  }

  private keyOf(run: Resource): ResourceKey {
    return { kind: this.kind, namespace: run.metadata.namespace ?? 'default', name: run.metadata.name };
  }
}

/** `workflowrun:<namespace>/<name>`: the advisory lock of one run. */
export function runLockKey(key: ResourceKey): string {
  return `${key.kind.toLowerCase()}:${key.namespace}/${key.name}`;
}
