import type { RunWorkQueueNames } from '@kastra/run-engine';

/**
 * The NetworkRun work queue of one installation: stream `<PREFIX>_NETWORK_WORK` (subjects
 * `<prefix>.networkwork.>`, apart from the workflow-executor's `<prefix>.work.>`), shared consumer
 * `network-router`, cancels on `<prefix>.networkrun.cancel`.
 */
export function networkRunWorkQueue(prefix: string): RunWorkQueueNames {
  return {
    kind: 'NetworkRun',
    stream: `${prefix.toUpperCase().replace(/-/g, '_')}_NETWORK_WORK`,
    streamSubjects: `${prefix}.networkwork.>`,
    subject: `${prefix}.networkwork.networkrun`,
    consumer: 'network-router',
    cancelSubject: `${prefix}.networkrun.cancel`,
  };
}
