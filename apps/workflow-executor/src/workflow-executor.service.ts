import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { NatsLlmClient, type ToolSource } from '@kastra/agent-runtime';
import { EventStore, PG_POOL } from '@kastra/event-store';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { createLogger } from '@kastra/telemetry';
import { AgentRuntimeInvoker } from './agent-runtime-invoker';
import { WorkflowExecutor } from './workflow-executor';

/** Runs the executor for the Nest app's lifetime; ready once it consumes work. */
@Injectable()
export class WorkflowExecutorService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger('workflow-executor');
  private readonly executor: WorkflowExecutor;

  constructor(
    @Inject(RESOURCE_STORE) store: ResourceStore,
    @Inject(PG_POOL) pool: Pool,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(NATS_PREFIX) prefix: string,
    private readonly readiness: ReadinessRegistry,
  ) {
    const invoker = new AgentRuntimeInvoker({ store: store as unknown as ToolSource, llm: new NatsLlmClient({ nc, prefix }), events: new EventStore(pool) });
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
  }

  onModuleInit(): void {
    this.readiness.register('executor', async () => this.executor.isRunning);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.executor.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.executor.stop();
  }
}

function numberFromEnv(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
