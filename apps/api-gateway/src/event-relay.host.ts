import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { PG_POOL } from '@kastra/event-store';
import { NATS_CONNECTION, NATS_PREFIX, startEventRelay, type EventRelay } from '@kastra/messaging';
import type { Logger } from '@kastra/telemetry';
import { GATEWAY_LOGGER } from './gateway-logger';

/**
 * Runs the log -> JetStream relay in the gateway, the service that appends resource events.
 * Every replica starts one; an advisory lock lets only one relay while the others stand by.
 */
@Injectable()
export class EventRelayHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: EventRelay;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.relay = await startEventRelay({ pool: this.pool, nc: this.nc, prefix: this.prefix, logger: this.logger });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
