import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { NatsLlmClient, type ToolSource } from '@kastra/agent-runtime';
import { EventStore, PG_POOL } from '@kastra/event-store';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { lastWriterPermissions, startRbacAuthorizer, type RunningRbacAuthorizer } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { createLogger } from '@kastra/telemetry';
import { AgentRuntimeInvoker } from './agent-runtime-invoker';
import { WorkflowExecutor } from './workflow-executor';

/**
 * Runs the executor for the Nest app's lifetime; ready once it consumes work. Tools run with
 * their last writer's rights, decided by an RBAC authorizer over the store this process keeps.
 */
@Injectable()
export class WorkflowExecutorService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger('workflow-executor');
  private executor?: WorkflowExecutor;
  private rbac?: RunningRbacAuthorizer;

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('executor', async () => this.executor?.isRunning ?? false);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { store, pool, nc, prefix } = this;
    // The policy is loaded before the first run is taken: no Tool is judged against an empty one.
    this.rbac = await startRbacAuthorizer(store, this.logger);
    const invoker = new AgentRuntimeInvoker({
      store: store as unknown as ToolSource,
      llm: new NatsLlmClient({ nc, prefix }),
      events: new EventStore(pool),
      permissions: lastWriterPermissions(store, this.rbac.authorizer),
    });
    this.executor = new WorkflowExecutor({
      store,
      pool,
      nc,
      prefix,
      invoker,
      logger: this.logger,
      concurrency: numberFromEnv('KASTRA_EXECUTOR_CONCURRENCY'),
      ackWaitMs: numberFromEnv('KASTRA_EXECUTOR_ACK_WAIT_MS'),
      recoveryIntervalMs: numberFromEnv('KASTRA_EXECUTOR_RECOVERY_MS'),
      maxCrashes: numberFromEnv('KASTRA_EXECUTOR_MAX_CRASHES'),
      maxOutputBytes: numberFromEnv('KASTRA_EXECUTOR_MAX_OUTPUT_BYTES'),
    });
    await this.executor.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.executor?.stop();
    await this.rbac?.stop();
  }
}

function numberFromEnv(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
