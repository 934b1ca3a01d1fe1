import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { PG_POOL } from '@kastra/event-store';
import { NATS_CONNECTION, NATS_PREFIX, startEventRelay, type EventRelay } from '@kastra/messaging';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { createLogger } from '@kastra/telemetry';
import { ControllerManager } from './controller-manager';

/** Runs the controllers for the Nest app's lifetime; ready once events flow and the first resync is queued. */
@Injectable()
export class ControllerManagerService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger('controller-manager');
  private readonly manager: ControllerManager;
  private relay?: EventRelay;

  constructor(
    @Inject(RESOURCE_STORE) store: ResourceStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.manager = new ControllerManager({ store, pool, nc, prefix, logger: this.logger });
  }

  onModuleInit(): void {
    this.readiness.register('controllers', async () => this.manager.isRunning);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Any replica of any service may relay the log to JetStream; an advisory lock keeps one active.
    this.relay = await startEventRelay({ pool: this.pool, nc: this.nc, prefix: this.prefix, logger: this.logger });
    await this.manager.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.manager.stop();
    await this.relay?.stop();
  }
}
