import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { Resource, ResourceKey } from '@kastra/api';
import type { LlmClient } from '@kastra/agent-runtime';
import type { NetworkStateStore } from '@kastra/network-state';
import { isTerminalNetworkRun } from '@kastra/network-runtime';
import type { ResourceStore } from '@kastra/resource-store';
import { DurableRunEngine, newReplicaId } from '@kastra/run-engine';
import type { Logger } from '@kastra/telemetry';
import type { AgentMemberRunner } from './run/agent-member-runner';
import { NetworkRunAdvancer } from './run/network-run-advancer';
import { networkRunWorkQueue } from './network-run-work-queue';

/** The durable consumer of NetworkRun resource events every replica shares (and `-workflowrun` for child runs). */
export const ROUTER_DURABLE_NAME = 'network-router';

export interface NetworkRouterOptions {
  store: ResourceStore;
  pool: Pool;
  nc: NatsConnection;
  prefix: string;
  llm: LlmClient;
  members: AgentMemberRunner;
  states: NetworkStateStore;
  logger?: Logger;
  replica?: string;
  /** Runs advanced at the same time by this process. @default 16 */
  concurrency?: number;
  /** A work message held this long by a dead replica is redelivered. @default 10000 */
  ackWaitMs?: number;
  /** Period of re-enqueueing every unfinished run. @default 30000 */
  recoveryIntervalMs?: number;
  /** Starts of an agent member turn that may end with no result before the run fails RouterCrashed. @default 3 */
  maxMemberCrashes?: number;
  /** Largest member output, as JSON bytes. @default 8 MiB */
  maxOutputBytes?: number;
  usageSettleMs?: number;
  onMemberStarted?: (run: ResourceKey, step: number, member: string, attempt: number) => void;
}

/**
 * The network-router: NetworkRuns advanced by the run engine (work queue, locks, recovery,
 * child WorkflowRuns waking their owner — @kastra/run-engine) with the network's own advancer.
 */
export class NetworkRouter {
  readonly replica: string;
  private readonly engine: DurableRunEngine;

  constructor(options: NetworkRouterOptions) {
    this.replica = options.replica ?? newReplicaId();
    const advancer = new NetworkRunAdvancer({
      pool: options.pool,
      store: options.store,
      llm: options.llm,
      members: options.members,
      states: options.states,
      replica: this.replica,
      logger: options.logger,
      maxMemberCrashes: options.maxMemberCrashes,
      maxOutputBytes: options.maxOutputBytes,
      usageSettleMs: options.usageSettleMs,
      onMemberStarted: options.onMemberStarted,
    });
    this.engine = new DurableRunEngine({
      queue: networkRunWorkQueue(options.prefix),
      resourceConsumer: ROUTER_DURABLE_NAME,
      childRunKinds: ['WorkflowRun'],
      store: options.store,
      pool: options.pool,
      nc: options.nc,
      prefix: options.prefix,
      advancer,
      isFinished: (run: Resource) => isTerminalNetworkRun({ phase: run.status?.phase as never }),
      replica: this.replica,
      logger: options.logger,
      concurrency: options.concurrency,
      ackWaitMs: options.ackWaitMs,
      recoveryIntervalMs: options.recoveryIntervalMs,
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
}
