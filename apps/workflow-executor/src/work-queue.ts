import type { NatsConnection } from '@nats-io/transport-node';
import type { ResourceKey } from '@kastra/api';
import { publishRunWork, type RunWorkQueueNames } from '@kastra/run-engine';

/**
 * The WorkflowRun work queue of one installation: stream `<PREFIX>_WORK` (subjects
 * `<prefix>.work.>`), shared consumer `workflow-executor`, cancels on `<prefix>.workflowrun.cancel`.
 */
export function workflowRunWorkQueue(prefix: string): RunWorkQueueNames {
  return {
    kind: 'WorkflowRun',
    stream: `${prefix.toUpperCase().replace(/-/g, '_')}_WORK`,
    streamSubjects: `${prefix}.work.>`,
    subject: `${prefix}.work.workflowrun`,
    consumer: 'workflow-executor',
    cancelSubject: `${prefix}.workflowrun.cancel`,
  };
}

export function publishWork(nc: NatsConnection, prefix: string, key: ResourceKey): Promise<void> {
  return publishRunWork(nc, workflowRunWorkQueue(prefix), key);
}
