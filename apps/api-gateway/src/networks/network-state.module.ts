import { Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventNotifier, PG_POOL } from '@kastra/event-store';
import { NetworkStateStore } from '@kastra/network-state';
import { NetworkStateController } from './network-state.controller';

/** A Network's state over REST; uses the global pool, event notifier and resource store. */
@Module({
  controllers: [NetworkStateController],
  providers: [{ provide: NetworkStateStore, useFactory: (pool: Pool, notifier: EventNotifier) => new NetworkStateStore({ pool, notifier }), inject: [PG_POOL, EventNotifier] }],
})
export class NetworkStateModule {}
