import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStoreModule, PG_POOL, pingDatabase } from '@kastra/event-store';
import { EventRelayHost, MessagingModule } from '@kastra/messaging';
import { ResourceStoreModule } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { WorkflowExecutorService } from './workflow-executor.service';

/** Durable execution of WorkflowRuns — docs/workflows.md describes the run model. */
@Module({
  imports: [EventStoreModule.forRoot(), MessagingModule.forRoot(), ResourceStoreModule],
  providers: [WorkflowExecutorService, EventRelayHost],
})
export class WorkflowExecutorModule implements OnModuleInit {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('postgres', () => pingDatabase(this.pool));
  }
}
