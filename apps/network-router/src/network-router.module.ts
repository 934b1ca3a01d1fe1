import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStoreModule, PG_POOL, pingDatabase } from '@kastra/event-store';
import { MessagingModule } from '@kastra/messaging';
import { ReadinessRegistry } from '@kastra/service-host';

/**
 * Will run Networks (a router model picks the next agent each step). For now it connects to
 * Postgres and NATS and serves health and metrics only.
 */
@Module({
  imports: [EventStoreModule.forRoot(), MessagingModule.forRoot()],
})
export class NetworkRouterModule implements OnModuleInit {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('postgres', () => pingDatabase(this.pool));
  }
}
