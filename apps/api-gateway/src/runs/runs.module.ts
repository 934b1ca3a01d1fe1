import { Module } from '@nestjs/common';
import { RunAdvancedNotices } from './run-advanced-notices';
import { RunEventsController } from './run-events.controller';
import { WorkflowExecuteController } from './workflow-execute.controller';
import { WorkflowExecuteService } from './workflow-execute.service';
import { WorkflowRunResumeController } from './workflow-run-resume.controller';
import { WorkflowRunResumeService } from './workflow-run-resume.service';

/** A run's event stream (SSE), synchronous workflow execution and checked resumes; uses the global store and pool. */
@Module({
  controllers: [RunEventsController, WorkflowExecuteController, WorkflowRunResumeController],
  providers: [WorkflowExecuteService, WorkflowRunResumeService, RunAdvancedNotices],
})
export class RunsModule {}
