import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { PG_POOL } from '@kastra/event-store';
import { createLogger } from '@kastra/telemetry';
import { startEventRelay, type EventRelay } from './event-relay';
import { NATS_CONNECTION, NATS_PREFIX } from './messaging.module';

/**
 * Runs the log -> JetStream relay in a service (the gateway, the controller-manager and the
 * workflow-executor each host one, so the log reaches NATS whichever of them runs). Every replica
 * starts one; an advisory lock lets only one relay while the others stand by.
 */
@Injectable()
export class EventRelayHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: EventRelay;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.relay = await startEventRelay({ pool: this.pool, nc: this.nc, prefix: this.prefix, logger: createLogger('event-relay') });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
