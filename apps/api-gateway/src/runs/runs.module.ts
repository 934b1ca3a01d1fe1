import { Module } from '@nestjs/common';
import { RunEventsController } from './run-events.controller';
import { WorkflowExecuteController } from './workflow-execute.controller';
import { WorkflowExecuteService } from './workflow-execute.service';

/** A run's event stream (SSE) and synchronous workflow execution; uses the global store and pool. */
@Module({
  controllers: [RunEventsController, WorkflowExecuteController],
  providers: [WorkflowExecuteService],
})
export class RunsModule {}
