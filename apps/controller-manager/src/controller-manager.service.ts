import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { PG_POOL } from '@kastra/event-store';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { createLogger } from '@kastra/telemetry';
import { ControllerManager } from './controller-manager';

/** Runs the controllers for the Nest app's lifetime; ready once events flow and the first resync is queued. */
@Injectable()
export class ControllerManagerService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger('controller-manager');
  private readonly manager: ControllerManager;

  constructor(
    @Inject(RESOURCE_STORE) store: ResourceStore,
    @Inject(PG_POOL) pool: Pool,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(NATS_PREFIX) prefix: string,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.manager = new ControllerManager({ store, pool, nc, prefix, logger: this.logger });
  }

  onModuleInit(): void {
    this.readiness.register('controllers', async () => this.manager.isRunning);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.manager.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.manager.stop();
  }
}
