import type { RunWorkQueueNames } from './run-work-queue';

/**
 * The WorkflowRun work queue of one installation: stream `<PREFIX>_WORK` (subjects
 * `<prefix>.work.>`), shared consumer `workflow-executor`, cancels on `<prefix>.workflowrun.cancel`,
 * ends of advances on `<prefix>.workflowrun.advanced`.
 * Here rather than in the executor so that whoever creates a run (the gateway) can enqueue it.
 */
export function workflowRunWorkQueue(prefix: string): RunWorkQueueNames {
  return {
    kind: 'WorkflowRun',
    stream: `${prefix.toUpperCase().replace(/-/g, '_')}_WORK`,
    streamSubjects: `${prefix}.work.>`,
    subject: `${prefix}.work.workflowrun`,
    consumer: 'workflow-executor',
    cancelSubject: `${prefix}.workflowrun.cancel`,
    advancedSubject: `${prefix}.workflowrun.advanced`,
  };
}
