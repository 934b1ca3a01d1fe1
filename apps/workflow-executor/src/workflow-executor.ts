import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { Resource, ResourceKey } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import { DurableRunEngine, newReplicaId } from '@kastra/run-engine';
import type { Logger } from '@kastra/telemetry';
import { WorkflowRunAdvancer } from './run/workflow-run-advancer';
import { TERMINAL_PHASES, type RunPhase, type StepInvoker } from '@kastra/workflow-runtime';
import { workflowRunWorkQueue } from './work-queue';

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

/**
 * The workflow-executor: WorkflowRuns advanced by the run engine (work queue, locks, recovery —
 * @kastra/run-engine) with the workflow's own advancer (steps, retries, child runs, suspension).
 */
export class WorkflowExecutor {
  readonly replica: string;
  private readonly engine: DurableRunEngine;

  constructor(options: WorkflowExecutorOptions) {
    this.replica = options.replica ?? newReplicaId();
    const advancer = new WorkflowRunAdvancer({
      pool: options.pool,
      store: options.store,
      invoker: options.invoker,
      replica: this.replica,
      logger: options.logger,
      onStepStarted: options.onStepStarted,
      maxCrashes: options.maxCrashes,
      maxOutputBytes: options.maxOutputBytes,
    });
    this.engine = new DurableRunEngine({
      queue: workflowRunWorkQueue(options.prefix),
      resourceConsumer: EXECUTOR_DURABLE_NAME,
      store: options.store,
      pool: options.pool,
      nc: options.nc,
      prefix: options.prefix,
      advancer,
      isFinished: isFinishedRun,
      replica: this.replica,
      logger: options.logger,
      concurrency: options.concurrency,
      ackWaitMs: options.ackWaitMs,
      recoveryIntervalMs: options.recoveryIntervalMs,
      onWorkDelivered: options.onWorkDelivered,
    });
  }

  get isRunning(): boolean {
    return this.engine.isRunning;
  }

  start(): Promise<void> {
    return this.engine.start();
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }

  /** Enqueues every run that has not ended. */
  recover(): Promise<number> {
    return this.engine.recover();
  }
}

function isFinishedRun(run: Resource): boolean {
  return TERMINAL_PHASES.includes(run.status?.phase as RunPhase);
}
