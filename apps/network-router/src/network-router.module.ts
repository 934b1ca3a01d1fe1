import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStoreModule, PG_POOL, pingDatabase } from '@kastra/event-store';
import { EventRelayHost, MessagingModule } from '@kastra/messaging';
import { ResourceStoreModule } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { NetworkRouterService } from './network-router.service';

/** Durable execution of NetworkRuns — docs/networks.md describes the run model. */
@Module({
  imports: [EventStoreModule.forRoot(), MessagingModule.forRoot(), ResourceStoreModule],
  providers: [NetworkRouterService, EventRelayHost],
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
