import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '@kastra/config';
import { ReadinessRegistry } from '@kastra/service-host';
import { ensureEventStream } from './ensure-event-stream';
import { natsNames } from './nats-names';

/** Injection token of the process's NATS connection. */
export const NATS_CONNECTION = 'KASTRA_NATS_CONNECTION';
/** Injection token of the installation's NATS prefix (KASTRA_NATS_PREFIX). */
export const NATS_PREFIX = 'KASTRA_NATS_PREFIX';

@Injectable()
class NatsLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness?.register('nats', async () => !this.nc.isClosed());
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

/** NATS with JetStream for a service: connects (reconnecting forever), ensures the events stream. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: { natsUrl?: string; prefix?: string } = {}): DynamicModule {
    const prefix = options.prefix ?? loadConfig(0).natsPrefix;
    return {
      module: MessagingModule,
      providers: [
        { provide: NATS_PREFIX, useValue: prefix },
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const nc = await connect({
              servers: options.natsUrl ?? loadConfig(0).natsUrl,
              name: `kastra-${process.pid}`,
              maxReconnectAttempts: -1,
            });
            await ensureEventStream(nc, natsNames(prefix));
            return nc;
          },
        },
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, NATS_PREFIX],
    };
  }
}
