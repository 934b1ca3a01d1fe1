import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStoreModule, PG_POOL, pingDatabase } from '@kastra/event-store';
import { MessagingModule } from '@kastra/messaging';
import { ReadinessRegistry } from '@kastra/service-host';

/**
 * Durable execution of WorkflowRuns (DESIGN.md section 2). For now it connects to Postgres and
 * NATS and serves health and metrics; the executor itself comes with its issue.
 */
@Module({
  imports: [EventStoreModule.forRoot(), MessagingModule.forRoot()],
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
