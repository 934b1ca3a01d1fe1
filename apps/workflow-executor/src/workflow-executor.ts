import { randomUUID } from 'node:crypto';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { API_GROUP_VERSION, formatKey, type Resource, type ResourceKey } from '@kastra/api';
import { SessionAdvisoryLocks, type RecordedEvent } from '@kastra/event-store';
import { DurableConsumer, natsNames } from '@kastra/messaging';
import type { ResourceStore } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { RunAdvancer, type AdvanceOutcome } from './run/run-advancer';
import { TERMINAL_PHASES, type RunPhase } from './run/run-state';
import type { StepInvoker } from './step-invoker';
import { consumeWork, decodeWork, ensureWorkQueue, publishWork, workQueueNames } from './work-queue';

/** Longest wait before a run whose advance failed (not its step) is tried again. */
const MAX_FAILED_ADVANCE_DELAY_MS = 30_000;

/** The durable consumer of WorkflowRun resource events every replica shares. */
export const EXECUTOR_DURABLE_NAME = 'workflow-executor';

export interface WorkflowExecutorOptions {
  store: ResourceStore;
  pool: Pool;
  nc: NatsConnection;
  prefix: string;
  invoker: StepInvoker;
  logger?: Logger;
  /** Runs advanced at the same time by this process. @default 16 */
  concurrency?: number;
  /** A work message held this long by a dead replica is redelivered. @default 10000 */
  ackWaitMs?: number;
  /** Period of re-enqueueing every unfinished run (recovery of lost messages). @default 30000 */
  recoveryIntervalMs?: number;
  replica?: string;
  /** Starts of a step in a row that may end with no result (its process died) before the run fails ExecutorCrashed. @default 3 */
  maxCrashes?: number;
  /** Largest step or item output, as JSON bytes; a larger one fails the attempt. @default 8 MiB */
  maxOutputBytes?: number;
  onStepStarted?: (run: ResourceKey, stepId: string, scheduledAt: string, startedAt: string) => void;
  /** Hook for tests and metrics: a work message for `run` was delivered (1 = first delivery). */
  onWorkDelivered?: (run: ResourceKey, deliveryCount: number) => void;
}

/** A run this process is advancing: how to stop it, and whether a message came for it meanwhile. */
interface Advancing {
  controller: AbortController;
  dirty: boolean;
}

/**
 * The workflow-executor engine. Resource events of WorkflowRuns (a shared durable consumer) put
 * the run on a JetStream work queue; replicas pull from it and advance each run under its
 * advisory lock, from its event log. Unfinished runs are re-enqueued at start and periodically,
 * so a lost message or a dead replica delays a run, never loses it.
 */
export class WorkflowExecutor {
  readonly replica: string;
  private readonly advancer: RunAdvancer;
  private readonly locks: SessionAdvisoryLocks;
  private readonly running = new Map<string, Advancing>();
  private consumer?: DurableConsumer;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private cancelSubscription?: Subscription;
  private recoveryTimer?: NodeJS.Timeout;
  private stopping = false;
  private started = false;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly options: WorkflowExecutorOptions) {
    this.replica = options.replica ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    // Lost locks: every run this replica advances stops (another replica may own it now).
    this.locks = new SessionAdvisoryLocks(options.pool, (error) => {
      options.logger?.warn({ err: String(error) }, 'run lock session lost; runs in flight stop');
      this.running.forEach(({ controller }) => controller.abort('lock lost'));
    });
    this.advancer = new RunAdvancer({
      pool: options.pool,
      locks: this.locks,
      store: options.store,
      invoker: options.invoker,
      replica: this.replica,
      logger: options.logger,
      onStepStarted: options.onStepStarted,
      maxCrashes: options.maxCrashes,
      maxOutputBytes: options.maxOutputBytes,
    });
  }

  /** Well within ack_wait, so a slow event loop still beats in time. */
  private get heartbeatMs(): number {
    return Math.max(50, Math.floor((this.options.ackWaitMs ?? 10_000) / 4));
  }

  get isRunning(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    const { nc, prefix } = this.options;
    await ensureWorkQueue(nc, prefix, this.options.ackWaitMs ?? 10_000);
    this.cancelSubscription = nc.subscribe(workQueueNames(prefix).cancelSubject, {
      callback: (error, message) => {
        if (error) return;
        const key = decodeCancel(message.data);
        if (key) this.running.get(formatKey(key))?.controller.abort('cancelled');
      },
    });
    this.consumer = new DurableConsumer({
      nc,
      prefix,
      durableName: EXECUTOR_DURABLE_NAME,
      filterSubject: `${natsNames(prefix).categorySubject('resource').slice(0, -1)}WorkflowRun.>`,
      handle: (event) => this.onResourceEvent(event),
      logger: this.options.logger,
    });
    await this.consumer.start();
    this.messages = await consumeWork(nc, prefix, this.options.concurrency ?? 16);
    this.loop = this.consumeWork(this.messages);
    await this.recover();
    this.recoveryTimer = setInterval(() => {
      this.recover().catch((error: unknown) => this.options.logger?.warn({ err: String(error) }, 'run recovery failed'));
    }, this.options.recoveryIntervalMs ?? 30_000);
    this.recoveryTimer.unref();
    this.started = true;
    this.options.logger?.info({ replica: this.replica }, 'workflow executor started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    this.cancelSubscription?.unsubscribe();
    await this.consumer?.stop();
    for (const { controller } of this.running.values()) controller.abort('shutdown');
    await this.messages?.close();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.locks.close();
  }

  /** Enqueues every run that has not ended. */
  async recover(): Promise<number> {
    const { items } = await this.options.store.list({ kind: 'WorkflowRun' });
    let count = 0;
    for (const run of items) {
      if (TERMINAL_PHASES.includes(run.status?.phase as RunPhase)) continue;
      await publishWork(this.options.nc, this.options.prefix, keyOfRun(run));
      count++;
    }
    return count;
  }

  private async onResourceEvent(event: RecordedEvent): Promise<void> {
    const run = (event.data as { object?: Resource }).object;
    if (!run || run.kind !== 'WorkflowRun') return;
    const key = keyOfRun(run);
    const phase = run.status?.phase as RunPhase | undefined;
    if (event.type === 'ResourceStatusUpdated') {
      // Our own projection writes; only a finished child wakes its parent.
      const owner = run.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === 'WorkflowRun' && ref.apiVersion === API_GROUP_VERSION);
      if (owner && TERMINAL_PHASES.includes(phase as RunPhase)) {
        await publishWork(this.options.nc, this.options.prefix, { kind: 'WorkflowRun', namespace: key.namespace, name: owner.name });
      }
      return;
    }
    if (event.type === 'ResourceDeleted' || event.type === 'ResourceDeletionRequested') {
      this.options.nc.publish(workQueueNames(this.options.prefix).cancelSubject, JSON.stringify(key));
      return;
    }
    if (TERMINAL_PHASES.includes(phase as RunPhase)) return;
    if ((run.spec as { cancel?: boolean } | undefined)?.cancel) {
      // Whichever replica runs it aborts the step in flight.
      this.options.nc.publish(workQueueNames(this.options.prefix).cancelSubject, JSON.stringify(key));
    }
    await publishWork(this.options.nc, this.options.prefix, key);
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
    const key = decodeWork(message);
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
    // The message stays ours for the whole advance, however many steps it takes: without this a
    // run of many short steps outlived ack_wait and was handed to another replica, which found it
    // locked and re-queued it every few hundred ms until the run ended.
    const heartbeat = setInterval(() => message.working(), this.heartbeatMs);
    let outcome: AdvanceOutcome;
    try {
      do {
        outcome = await this.advancer.advance(key, advancing.controller.signal, recheck);
        // A message that came after the advance's last look (while the lock was being released).
      } while (outcome.kind !== 'locked' && outcome.kind !== 'stopped' && recheck());
    } catch (error) {
      // Not a step's failure (those are recorded and retried by the step's policy): the log or
      // the network is out of reach, or another replica took the run. Back off, doubling per
      // redelivery of this message; a step whose result was lost runs again at most maxCrashes times.
      const delayMs = Math.min(MAX_FAILED_ADVANCE_DELAY_MS, 1000 * 2 ** Math.min(10, message.info.deliveryCount - 1));
      this.options.logger?.warn({ run: id, err: String(error), retryInMs: delayMs }, 'advancing a run failed; will retry');
      message.nak(delayMs);
      return;
    } finally {
      clearInterval(heartbeat);
      this.running.delete(id);
    }
    switch (outcome.kind) {
      case 'done':
      case 'idle':
        message.ack();
        return;
      case 'wait':
        message.nak(Math.max(1, outcome.delayMs));
        return;
      case 'locked':
        message.nak(200 + Math.floor(Math.random() * 300));
        return;
      case 'stopped':
        // Cancelled: decide again at once; shutting down: another replica takes it now.
        message.nak(0);
        return;
    }
  }
}

function keyOfRun(run: Resource): ResourceKey {
  return { kind: 'WorkflowRun', namespace: run.metadata.namespace ?? 'default', name: run.metadata.name };
}

function decodeCancel(data: Uint8Array): ResourceKey | undefined {
  try {
    const body = JSON.parse(new TextDecoder().decode(data)) as { namespace?: unknown; name?: unknown };
    return typeof body.namespace === 'string' && typeof body.name === 'string' ? { kind: 'WorkflowRun', namespace: body.namespace, name: body.name } : undefined;
  } catch {
    return undefined;
  }
}
